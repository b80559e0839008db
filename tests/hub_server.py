"""A small fake Hugging Face Hub on 127.0.0.1 for tests that run the real ``huggingface_hub`` client.

It implements what the client (2.x, with Xet disabled) calls for a push and a pull:

* ``POST /api/repos/create`` (409 with ``url`` when the repo exists), ``POST /api/validate-yaml``;
* ``POST /api/models/{repo}/preupload/{rev}``, the LFS batch API ``POST /{repo}.git/info/lfs/objects/batch``
  (basic transfer: the upload is a ``PUT`` back to this server), ``POST /api/models/{repo}/commit/{rev}``
  (NDJSON; every commit gets a new 40-hex id), ``POST /api/models/{repo}/branch/{branch}``;
* ``GET /api/models/{repo}[/revision/{rev}]``, ``GET /api/models/{repo}/tree/{rev}[/{path}]``,
  ``GET /api/models/{repo}/refs``, ``GET /api/whoami-v2``;
* ``HEAD``/``GET /{repo}/resolve/{rev}/{path}`` with ``X-Repo-Commit`` and ``ETag`` headers.

Errors carry ``X-Error-Code`` (RepoNotFound, RevisionNotFound, EntryNotFound) as the real Hub does; a wrong
token gets 401 "Invalid credentials in Authorization header", a write without a token 401 as well.
Repos, commits and LFS objects live in memory. ``requests`` records every call as ``(method, path)``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".png", ".jpg", ".zip")
GITATTRIBUTES = (
    b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n"
)


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Blob:
    data: bytes
    lfs: bool

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.lfs else git_sha1(self.data)


@dataclass
class Repo:
    repo_id: str
    private: bool
    commits: dict[str, dict[str, Blob]] = field(default_factory=dict)  # commit id -> files
    branches: dict[str, str] = field(default_factory=dict)  # branch -> commit id
    history: list[str] = field(default_factory=list)

    def resolve(self, rev: str) -> str | None:
        if rev in self.branches:
            return self.branches[rev]
        if rev in self.commits:
            return rev
        return None


class HubError(Exception):
    def __init__(
        self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


class FakeHub:
    """The server's state and lifecycle: ``url = hub.start()``, ``hub.stop()``."""

    def __init__(self, token: str = "hf_fake_test_token", user: str = "tester") -> None:
        self.token = token
        self.user = user
        self.repos: dict[str, Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.upload_keys: dict[str, str] = {}  # oid -> key required by the presigned PUT
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        hub = self

        class Handler(_Handler):
            pass

        Handler.hub = hub
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-hub", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- helpers for tests ------------------------------------------------------------------------
    def new_commit(self, repo: Repo, parent: str | None, files: dict[str, Blob], branch: str) -> str:
        oid = hashlib.sha1(
            f"{repo.repo_id}:{parent}:{len(repo.commits)}:{secrets.token_hex(8)}".encode()
        ).hexdigest()
        repo.commits[oid] = files
        repo.branches[branch] = oid
        repo.history.append(oid)
        return oid

    def create(self, repo_id: str, private: bool = False) -> Repo:
        repo = Repo(repo_id, private)
        self.repos[repo_id] = repo
        self.new_commit(repo, None, {".gitattributes": Blob(GITATTRIBUTES, False)}, "main")
        return repo

    def put_files(self, repo_id: str, files: dict[str, bytes], branch: str = "main") -> str:
        """Commit ``files`` directly (as another client would), creating the repo if needed."""
        with self.lock:
            repo = self.repos.get(repo_id) or self.create(repo_id)
            snapshot = dict(repo.commits[repo.branches[branch]])
            for path, data in files.items():
                snapshot[path] = Blob(data, path.endswith(LFS_SUFFIXES))
            return self.new_commit(repo, repo.branches[branch], snapshot, branch)


def _json_error(exc: HubError) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", "X-Error-Message": exc.message, **exc.headers}
    if exc.code:
        headers["X-Error-Code"] = exc.code
    return exc.status, headers, json.dumps({"error": exc.message}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hub: FakeHub

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    # -- plumbing ----------------------------------------------------------------------------------
    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool = False) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _auth(self, write: bool) -> bool:
        """Whether a valid token came; a wrong token is always refused, a missing one only for writes."""
        header = self.headers.get("Authorization", "")
        if header:
            if header != f"Bearer {self.hub.token}":
                raise HubError(401, "Invalid credentials in Authorization header")
            return True
        if write:
            raise HubError(401, "Invalid username or password.")
        return False

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        with self.hub.lock:
            self.hub.requests.append((method, url.path))
        body = self._body() if method in ("POST", "PUT") else b""
        try:
            status, headers, payload = self._route(method, url.path, parse_qs(url.query), body)
        except HubError as exc:
            status, headers, payload = _json_error(exc)
        self._send(status, headers, payload, head=method == "HEAD")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    # -- routing -----------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes):
        parts = [unquote(p) for p in path.strip("/").split("/")]
        hub = self.hub
        if method == "POST" and path == "/api/repos/create":
            return self._create_repo(json.loads(body))
        if method == "POST" and path == "/api/validate-yaml":
            return self._validate_yaml(json.loads(body))
        if method == "GET" and path == "/api/whoami-v2":
            if not self._auth(write=True):
                raise HubError(401, "Invalid username or password.")
            return _ok({"type": "user", "name": hub.user, "auth": {"accessToken": {"role": "write"}}})
        if method == "PUT" and parts[0] == "lfs-upload":
            return self._lfs_put(parts[1], query, body)
        if method == "POST" and path.endswith(".git/info/lfs/objects/batch"):
            repo_id = path.strip("/")[: -len(".git/info/lfs/objects/batch")]
            return self._lfs_batch(repo_id, json.loads(body))
        if parts[:2] == ["api", "models"] and len(parts) >= 4:
            repo_id = f"{parts[2]}/{parts[3]}"
            rest = parts[4:]
            if method == "GET" and not rest:
                return self._model_info(repo_id, "main")
            if method == "GET" and rest[0] == "revision" and len(rest) >= 2:
                return self._model_info(repo_id, "/".join(rest[1:]))
            if method == "GET" and rest[0] == "tree" and len(rest) >= 2:
                return self._tree(repo_id, rest[1], "/".join(rest[2:]), query)
            if method == "GET" and rest == ["refs"]:
                return self._refs(repo_id)
            if method == "POST" and rest[0] == "preupload" and len(rest) >= 2:
                return self._preupload(repo_id, "/".join(rest[1:]), json.loads(body))
            if method == "POST" and rest[0] == "commit" and len(rest) >= 2:
                return self._commit(repo_id, "/".join(rest[1:]), body, query)
            if method == "POST" and rest[0] == "branch" and len(rest) >= 2:
                return self._branch(repo_id, "/".join(rest[1:]), json.loads(body or b"{}"))
        if method in ("GET", "HEAD") and len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:]))
        raise HubError(404, f"no route for {method} {path}")

    def _repo(self, repo_id: str, write: bool = False) -> Repo:
        authed = self._auth(write)
        repo = self.hub.repos.get(repo_id)
        if repo is None or (repo.private and not authed):
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def _commit_of(self, repo: Repo, rev: str) -> str:
        oid = repo.resolve(rev)
        if oid is None:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        return oid

    # -- endpoints ---------------------------------------------------------------------------------
    def _create_repo(self, payload: dict):
        self._auth(write=True)
        repo_id = f"{payload.get('organization') or self.hub.user}/{payload['name']}"
        url = f"{self.hub.url}/{repo_id}"
        with self.hub.lock:
            if repo_id in self.hub.repos:
                return (
                    409,
                    {"Content-Type": "application/json"},
                    json.dumps({"error": "You already created this model repo", "url": url}).encode(),
                )
            self.hub.create(repo_id, private=payload.get("visibility") == "private")
        return _ok({"url": url, "name": repo_id})

    def _validate_yaml(self, payload: dict):
        content = payload.get("content", "")
        errors = []
        if content.startswith("---"):
            end = content.find("\n---", 3)
            try:
                meta = yaml.safe_load(content[3:end]) if end > 0 else None
                if end < 0 or not isinstance(meta, dict):
                    errors.append("YAML metadata must be a mapping between --- lines")
            except yaml.YAMLError as exc:
                errors.append(f"invalid YAML: {exc}")
        if errors:
            return (
                400,
                {"Content-Type": "application/json"},
                json.dumps({"errors": [{"message": e} for e in errors]}).encode(),
            )
        return _ok({"warnings": []})

    def _model_info(self, repo_id: str, rev: str):
        repo = self._repo(repo_id)
        oid = self._commit_of(repo, rev)
        files = repo.commits[oid]
        return _ok(
            {
                "id": repo_id,
                "modelId": repo_id,
                "author": repo_id.split("/")[0],
                "sha": oid,
                "private": repo.private,
                "lastModified": "2026-01-01T00:00:00.000Z",
                "tags": [],
                "siblings": [{"rfilename": p} for p in sorted(files)],
            }
        )

    def _tree(self, repo_id: str, rev: str, prefix: str, query: dict[str, list[str]]):
        repo = self._repo(repo_id)
        files = repo.commits[self._commit_of(repo, rev)]
        recursive = query.get("recursive", ["False"])[0].lower() in ("true", "1")
        base = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        out: list[dict] = []
        dirs: set[str] = set()
        for path in sorted(files):
            if not path.startswith(base):
                continue
            rel = path[len(base) :].split("/")
            for i in range(1, len(rel)):
                if recursive or i == 1:
                    dirs.add(base + "/".join(rel[:i]))
            if len(rel) > 1 and not recursive:
                continue
            blob = files[path]
            entry = {"type": "file", "path": path, "size": len(blob.data), "oid": git_sha1(blob.data)}
            if blob.lfs:
                entry["lfs"] = {
                    "oid": hashlib.sha256(blob.data).hexdigest(),
                    "size": len(blob.data),
                    "pointerSize": 134,
                }
            out.append(entry)
        out += [
            {"type": "directory", "path": d, "oid": hashlib.sha1(d.encode()).hexdigest()}
            for d in sorted(dirs)
        ]
        return _ok(out)

    def _refs(self, repo_id: str):
        repo = self._repo(repo_id)
        branches = [
            {"name": b, "ref": f"refs/heads/{b}", "targetCommit": c} for b, c in repo.branches.items()
        ]
        return _ok({"branches": branches, "tags": [], "converts": []})

    def _preupload(self, repo_id: str, rev: str, payload: dict):
        repo = self._repo(repo_id, write=True)
        files = repo.commits[self._commit_of(repo, rev)]
        out = []
        for f in payload.get("files", []):
            sample = base64.b64decode(f.get("sample", ""))
            lfs = f["path"].endswith(LFS_SUFFIXES) or b"\0" in sample or f.get("size", 0) > 10_000_000
            old = files.get(f["path"])
            oid = None
            if old is not None:
                oid = hashlib.sha256(old.data).hexdigest() if lfs else git_sha1(old.data)
            out.append(
                {
                    "path": f["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": oid,
                }
            )
        return _ok({"files": out})

    def _lfs_batch(self, repo_id: str, payload: dict):
        self._repo(repo_id, write=True)
        if payload.get("operation") != "upload":
            raise HubError(400, "only uploads are supported")
        objects = []
        for obj in payload.get("objects", []):
            oid, size = obj["oid"], obj["size"]
            entry: dict[str, Any] = {"oid": oid, "size": size}
            if oid not in self.hub.lfs:
                key = secrets.token_hex(8)
                with self.hub.lock:
                    self.hub.upload_keys[oid] = key
                entry["actions"] = {
                    "upload": {"href": f"{self.hub.url}/lfs-upload/{oid}?key={key}", "header": {}}
                }
            objects.append(entry)
        headers = {"Content-Type": "application/vnd.git-lfs+json"}
        return (
            200,
            headers,
            json.dumps({"transfer": "basic", "objects": objects, "hash_algo": "sha256"}).encode(),
        )

    def _lfs_put(self, oid: str, query: dict[str, list[str]], body: bytes):
        if self.hub.upload_keys.get(oid) != query.get("key", [None])[0]:
            raise HubError(403, "bad upload signature")
        if hashlib.sha256(body).hexdigest() != oid:
            raise HubError(400, "content does not match the oid")
        with self.hub.lock:
            self.hub.lfs[oid] = body
        return 200, {"ETag": f'"{oid}"'}, b""

    def _commit(self, repo_id: str, rev: str, body: bytes, query: dict[str, list[str]]):
        repo = self._repo(repo_id, write=True)
        if query.get("create_pr"):
            raise HubError(400, "pull requests are not supported by the fake Hub")
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the first NDJSON line must be the header")
        header = lines[0]["value"]
        with self.hub.lock:
            head = self._commit_of(repo, rev)
            if rev not in repo.branches:
                raise HubError(400, f"can only commit to a branch, not {rev}")
            if header.get("parentCommit") and header["parentCommit"] != head:
                raise HubError(412, "parent commit is not the head of the branch")
            files = dict(repo.commits[head])
            for item in lines[1:]:
                key, value = item["key"], item["value"]
                if key == "file":
                    files[value["path"]] = Blob(base64.b64decode(value["content"]), False)
                elif key == "lfsFile":
                    data = self.hub.lfs.get(value["oid"])
                    if data is None:
                        raise HubError(
                            422, f"LFS object {value['oid']} of {value['path']} was never uploaded"
                        )
                    files[value["path"]] = Blob(data, True)
                elif key == "deletedFile":
                    if files.pop(value["path"], None) is None:
                        raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
                elif key == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    files = {p: b for p, b in files.items() if not p.startswith(prefix)}
                else:
                    raise HubError(400, f"unknown commit operation {key!r}")
            oid = self.hub.new_commit(repo, head, files, rev)
        url = f"{self.hub.url}/{repo_id}/commit/{oid}"
        return _ok({"commitUrl": url, "commitOid": oid, "pullRequestUrl": None, "success": True})

    def _branch(self, repo_id: str, branch: str, payload: dict):
        repo = self._repo(repo_id, write=True)
        with self.hub.lock:
            if branch in repo.branches:
                raise HubError(409, f"Reference refs/heads/{branch} already exists")
            start = self._commit_of(repo, payload.get("startingPoint") or "main")
            repo.branches[branch] = start
        return _ok({})

    def _resolve(self, repo_id: str, rev: str, path: str):
        repo = self._repo(repo_id)
        oid = self._commit_of(repo, rev)
        blob = repo.commits[oid].get(path)
        if blob is None:
            raise HubError(404, "Entry not found", "EntryNotFound", {"X-Repo-Commit": oid})
        headers = {
            "X-Repo-Commit": oid,
            "ETag": f'"{blob.etag}"',
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{quote(path.rsplit("/", 1)[-1])}"',
        }
        if blob.lfs:
            headers["X-Linked-Etag"] = f'"{blob.etag}"'
            headers["X-Linked-Size"] = str(len(blob.data))
        return 200, headers, blob.data


def _ok(data: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()
