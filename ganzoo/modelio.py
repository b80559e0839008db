"""A model folder in the Hugging Face Hub layout, and loading models safely from folders, runs and the Hub.

A model folder holds:

* ``model.safetensors``: every net's weights under a prefix (``generator.…``, ``discriminator.…``);
* ``config.json``: what :func:`model_config` returns (schema version, components with their plugin
  distributions and versions, hyperparameters, data shape and classes, latent layout, training summary);
* ``README.md``: a model card with YAML front matter; ``samples.png`` (a sample sheet), ``metrics.json``
  and ``critic_map.png`` when known.

Only safetensors is ever read: nothing is unpickled and nothing from a model folder is executed. The
nets are rebuilt by the installed plugins named in ``config.json``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo import __version__
from ganzoo.errors import GanzooError, ModelLoadError, UnknownComponentError
from ganzoo.fsutil import atomic_text
from ganzoo.spec import DataSpec, LatentSpec

if TYPE_CHECKING:
    from ganzoo.config import RunSpec
    from ganzoo.model import GanModel

SCHEMA_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
CARD_NAME = "README.md"
SAMPLES_NAME = "samples.png"
METRICS_NAME = "metrics.json"
CRITIC_MAP_NAME = "critic_map.png"
#: The files of a model folder; the only ones ever fetched from the Hub.
MODEL_FILES = (CONFIG_NAME, WEIGHTS_NAME, CARD_NAME, SAMPLES_NAME, METRICS_NAME, CRITIC_MAP_NAME)
#: A run's checkpoints: ``checkpoints/latest`` names the newest ``checkpoints/step-N/nets.safetensors``.
CHECKPOINTS = "checkpoints"
NET_ROLES = ("generator", "discriminator")
#: Marks a model card that ganzoo wrote (and may rewrite); delete the line to keep your own card.
CARD_MARKER = "<!-- ganzoo:generated-card -->"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


# -- config -----------------------------------------------------------------------------------------
def model_config(
    model: GanModel, spec: RunSpec, *, seed: int, steps_done: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``config.json`` of ``model`` trained as ``spec``; also stored as ``model.config``."""
    config: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "library_name": "ganzoo",
        "ganzoo_version": __version__,
        "family": spec.family,
        "components": {
            role: spec.parts[role].to_json() for role in ("generator", "discriminator", "loss", "trainer")
        },
        "dataset": spec.dataset.to_json(),
        "data": model.data.to_json(),
        "latent": model.latent.to_json(),
        "train": {**spec.train, "seed": seed, "steps_done": steps_done},
        **(extra or {}),
    }
    model.config = config
    return config


def read_config(path: str | os.PathLike, where: str | None = None) -> dict[str, Any]:
    """Read and check a ganzoo ``config.json``; raise :class:`ModelLoadError` naming what is wrong."""
    path = Path(path)
    where = where or str(path.parent)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"{where} has no {CONFIG_NAME}, so it is not a ganzoo model") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{CONFIG_NAME} of {where} cannot be read: {exc}") from None
    if not isinstance(config, dict) or "schema_version" not in config:
        raise ModelLoadError(f"{where} is not a ganzoo model: its {CONFIG_NAME} has no schema_version")
    version = config["schema_version"]
    if version != SCHEMA_VERSION:
        hint = "upgrade ganzoo (`pip install -U ganzoo`)" if isinstance(version, int) and version > 1 else ""
        raise ModelLoadError(
            f"{where} has config schema_version {version!r}; ganzoo {__version__} reads version {SCHEMA_VERSION}"
            + (f": {hint}" if hint else "")
        )
    for key in ("components", "data", "latent"):
        if not isinstance(config.get(key), dict):
            raise ModelLoadError(f"{CONFIG_NAME} of {where} has no {key!r} section")
    for role in NET_ROLES:
        if not isinstance(config["components"].get(role), dict) or "name" not in config["components"][role]:
            raise ModelLoadError(f"{CONFIG_NAME} of {where} names no {role}")
    return config


# -- writing -----------------------------------------------------------------------------------------
def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")


def _is_model_folder(folder: Path) -> bool:
    return (folder / CONFIG_NAME).is_file() and (folder / WEIGHTS_NAME).is_file()


def save_model(
    model: GanModel,
    folder: str | os.PathLike,
    *,
    sample_sheet: str | os.PathLike | None = None,
    metrics: dict[str, Any] | None = None,
    critic_map: str | os.PathLike | None = None,
) -> Path:
    """Write ``model`` as a model folder in the Hub layout; returns the folder.

    The folder is built next to its destination and renamed into place, so it is never half-written.
    An existing model folder at ``folder`` is replaced; any other non-empty folder is refused.
    """
    from safetensors.torch import save_file

    if not model.config.get("schema_version"):
        raise ValueError("model.config is empty: describe the model with ganzoo.modelio.model_config() first")
    folder = Path(folder)
    if folder.exists() and not (folder.is_dir() and (not any(folder.iterdir()) or _is_model_folder(folder))):
        raise GanzooError(f"refusing to replace {folder}: it exists and is not a ganzoo model folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.tmp-"))
    try:
        # clone: tied or shared tensors become separate entries, which safetensors requires
        state = {k: v.detach().cpu().clone().contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / WEIGHTS_NAME), metadata={"format": "pt"})
        _write_json(tmp / CONFIG_NAME, model.config)
        if sample_sheet is not None:
            shutil.copyfile(sample_sheet, tmp / SAMPLES_NAME)
        if critic_map is not None:
            shutil.copyfile(critic_map, tmp / CRITIC_MAP_NAME)
        if metrics is not None:
            _write_json(tmp / METRICS_NAME, metrics)
        card = model_card(
            model.config, metrics=metrics, samples=sample_sheet is not None, critic_map=critic_map is not None
        )
        (tmp / CARD_NAME).write_text(card, encoding="utf-8")
        _swap_into_place(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _swap_into_place(new: Path, folder: Path) -> None:
    """Rename the finished folder ``new`` to ``folder``, replacing an old one."""
    if not folder.exists():
        os.replace(new, folder)
        return
    old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old-"))
    os.replace(folder, old / "x")
    try:
        os.replace(new, folder)
    except BaseException:
        os.replace(old / "x", folder)
        raise
    shutil.rmtree(old, ignore_errors=True)


def refresh_card(
    folder: str | os.PathLike, *, metrics: dict[str, Any] | None = None, repo_id: str | None = None
) -> bool:
    """Rewrite a ganzoo-generated ``README.md`` of a model folder (with ``metrics`` and ``repo_id``).

    ``metrics`` are also written to ``metrics.json``. A card without ganzoo's marker line was edited
    by hand and is left alone, and so is a folder in the Hub cache (its files are links into the cache);
    returns whether the card was rewritten.
    """
    folder = Path(folder)
    card = folder / CARD_NAME
    if card.is_symlink() or (card.exists() and CARD_MARKER not in card.read_text(encoding="utf-8")):
        return False
    config = read_config(folder / CONFIG_NAME)
    if metrics is not None:
        atomic_text(folder / METRICS_NAME, json.dumps(metrics, indent=2, default=str) + "\n")
    elif (folder / METRICS_NAME).is_file():
        try:
            metrics = json.loads((folder / METRICS_NAME).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise GanzooError(f"{folder / METRICS_NAME} cannot be read: {exc}") from None
    text = model_card(
        config,
        metrics=metrics,
        samples=(folder / SAMPLES_NAME).is_file(),
        critic_map=(folder / CRITIC_MAP_NAME).is_file(),
        repo_id=repo_id,
    )
    atomic_text(card, text)
    return True


# -- model card ---------------------------------------------------------------------------------------
def _flat_metrics(metrics: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += _flat_metrics(value, f"{name}.")
        elif isinstance(value, (int, float, str, bool)) or value is None:
            rows.append((name, value))
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"`{k}={v}`" for k, v in params.items()) or "defaults"


def model_card(
    config: dict[str, Any],
    *,
    metrics: dict[str, Any] | None = None,
    samples: bool = True,
    critic_map: bool = False,
    repo_id: str | None = None,
    license: str = "mit",
) -> str:
    """The ``README.md`` of a model folder: YAML front matter for the Hub, then usage and a summary."""
    from huggingface_hub import ModelCardData

    family = config.get("family", "gan")
    comps = config["components"]
    data = DataSpec.from_json(config["data"])
    latent = LatentSpec.from_json(config["latent"])
    dataset = config.get("dataset", {}).get("name") or data.name
    train = config.get("train", {})
    repo = repo_id or "<user>/<name>"
    tags = list(dict.fromkeys(["gan", "ganzoo", family, dataset]))
    meta = ModelCardData(
        library_name="ganzoo",
        license=license,
        tags=tags,
        datasets=[dataset],
        pipeline_tag="unconditional-image-generation" if data.is_image else None,
    )
    what = "images shaped " + "×".join(map(str, data.shape)) if data.is_image else f"{data.shape[0]}-D points"
    classes = f", {data.num_classes} classes ({', '.join(data.classes[:10])}{' …' if data.num_classes > 10 else ''})"
    lines = [
        "---",
        meta.to_yaml(),
        "---",
        CARD_MARKER,
        "",
        f"# {family} on {dataset}",
        "",
        f"A **{family}** generative adversarial network trained with ganzoo (a plugin-based GAN model zoo) on "
        f"`{dataset}`: {what}{classes if data.num_classes else ''}.",
        "",
    ]
    if samples:
        lines += ["![Samples from this model](samples.png)", ""]
    label_hint = " --labels 0,1,2" if latent.conditional else ""
    lines += [
        "## How to use it",
        "",
        "```bash",
        "pip install ganzoo",
        f"ganzoo sample {repo} -n 64{label_hint} --seed 0 -o samples.png",
        "```",
        "",
        "```python",
        "import ganzoo",
        "",
        f'model = ganzoo.load("{repo}")',
        "x = model.sample(64, seed=0)  # "
        + ("(64, " + ", ".join(map(str, data.shape)) + ") in [-1, 1]" if data.is_image else "(64, 2) points"),
        "```",
        "",
        "Without ganzoo, with only `safetensors` and `torch`: the weights of each net sit under a prefix "
        "(`generator.…`, `discriminator.…`) and `config.json` names the classes and hyperparameters to rebuild.",
        "",
        "```python",
        "import json",
        "from huggingface_hub import snapshot_download",
        "from safetensors.torch import load_file",
        "",
        f'folder = snapshot_download("{repo}", allow_patterns=["config.json", "model.safetensors"])',
        'config = json.load(open(f"{folder}/config.json"))',
        'weights = load_file(f"{folder}/model.safetensors")',
        'g_state = {k[len("generator."):]: v for k, v in weights.items() if k.startswith("generator.")}',
        "# build the generator named in config['components']['generator'], then: net.load_state_dict(g_state)",
        "```",
        "",
        "The discriminator is kept in `model.safetensors`, so `ganzoo sample --nice` can keep the samples it rates "
        "highest.",
        "",
        "## Training",
        "",
        "| role | component | plugin | hyperparameters |",
        "| --- | --- | --- | --- |",
    ]
    for role in ("generator", "discriminator", "loss", "trainer"):
        c = comps.get(role)
        if c:
            plugin = f"{c.get('distribution') or '?'} {c.get('version') or ''}".strip()
            lines.append(f"| {role} | `{c['name']}` | {plugin} | {_params(c.get('params', {}))} |")
    codes = []
    if latent.categorical:
        codes.append(f"categorical codes {list(latent.categorical)}")
    if latent.continuous:
        codes.append(f"{latent.continuous} continuous codes")
    if latent.conditional:
        codes.append(f"conditioned on {latent.num_classes} labels")
    lines += [
        "",
        f"- latent: {latent.noise_dim}-D Gaussian noise" + (f", {', '.join(codes)}" if codes else ""),
        f"- steps: {train.get('steps_done', '?')} at batch size {train.get('batch_size', '?')}, "
        f"seed {train.get('seed', '?')}",
        f"- ganzoo {config.get('ganzoo_version', '?')}, config schema {config.get('schema_version')}",
        "",
    ]
    if critic_map:
        lines += [
            "The discriminator's output over the plane, with real and generated points:",
            "",
            "![Critic map](critic_map.png)",
            "",
        ]
    rows = _flat_metrics(metrics) if isinstance(metrics, dict) else []
    if rows:
        lines += ["## Metrics", "", "| metric | value |", "| --- | --- |"]
        lines += [f"| {name} | {_fmt(value)} |" for name, value in rows]
        lines.append("")
    return "\n".join(lines)


# -- loading ------------------------------------------------------------------------------------------
def _pickles(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES) if folder.is_dir() else []


def _missing_config_message(where: str, names: list[str]) -> str:
    pickles = [n for n in names if n.endswith(PICKLE_SUFFIXES)]
    if pickles:
        return (
            f"{where} has no {CONFIG_NAME}, only {', '.join(pickles[:3])}: ganzoo reads only safetensors "
            f"({WEIGHTS_NAME} + {CONFIG_NAME}) and never unpickles weights"
        )
    return f"{where} has no {CONFIG_NAME}, so it is not a ganzoo model ({CONFIG_NAME} + {WEIGHTS_NAME})"


def latest_weights(run: Path) -> Path | None:
    """``nets.safetensors`` of the newest checkpoint of a run folder (named by ``checkpoints/latest``)."""
    pointer = run / CHECKPOINTS / "latest"
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    weights = run / CHECKPOINTS / name / "nets.safetensors"
    return weights if name and "/" not in name and ".." not in name and weights.is_file() else None


def resolve_local(folder: Path) -> tuple[Path, Path]:
    """``(config.json, weights)`` of a model folder, or of a run folder's ``model/`` or latest checkpoint."""
    if _is_model_folder(folder):
        return folder / CONFIG_NAME, folder / WEIGHTS_NAME
    if _is_model_folder(folder / "model"):
        return folder / "model" / CONFIG_NAME, folder / "model" / WEIGHTS_NAME
    checkpoint = latest_weights(folder)
    if (folder / CONFIG_NAME).is_file() and checkpoint is not None:
        return folder / CONFIG_NAME, checkpoint
    if (folder / CONFIG_NAME).is_file():
        raise ModelLoadError(
            f"{folder} has {CONFIG_NAME} but no weights: no {WEIGHTS_NAME}, no model/ and no checkpoint "
            "(ganzoo reads only safetensors)"
        )
    names = _pickles(folder)
    if names:
        raise ModelLoadError(_missing_config_message(str(folder), names))
    raise ModelLoadError(
        f"{folder} is neither a model folder ({CONFIG_NAME} + {WEIGHTS_NAME}) nor a run folder "
        f"(with model/ or {CHECKPOINTS}/)"
    )


def parse_repo_id(source: str, revision: str | None = None) -> tuple[str, str | None]:
    """Split ``user/name@rev`` into ``(repo_id, revision)``; raise if it is not a repo id."""
    repo_id, at, rev = source.partition("@")
    if not _REPO_ID.match(repo_id) or "--" in repo_id or ".." in repo_id or (at and not rev):
        raise ModelLoadError(
            f"{source!r} is neither an existing folder nor a Hub repo id (user/name, optionally user/name@revision)"
        )
    if at and revision and rev != revision:
        raise ModelLoadError(f"two revisions given for {repo_id}: @{rev} and --revision {revision}")
    return repo_id, rev or revision


def _looks_like_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or os.sep + os.sep in source or source.endswith(os.sep)


def load(
    source: str | os.PathLike,
    *,
    device: str = "cpu",
    revision: str | None = None,
    local_files_only: bool | None = None,
) -> GanModel:
    """Load a model from a Hub repo id (``user/name[@rev]``), a model folder or a run folder.

    Hub models are fetched into the Hub cache (only the model folder's files); with ``HF_HUB_OFFLINE=1``
    or ``local_files_only=True`` the cache alone is used. Only safetensors weights are read.
    """
    text = os.fspath(source)
    path = Path(text).expanduser()
    if path.is_dir():
        config_path, weights = resolve_local(path)
        return load_folder(config_path, weights, device=device, where=str(path))
    if path.exists():
        raise ModelLoadError(
            f"{path} is a file; give the model folder that holds {CONFIG_NAME} and {WEIGHTS_NAME}"
        )
    if _looks_like_path(text):
        raise ModelLoadError(f"no such folder: {path}")
    repo_id, rev = parse_repo_id(text, revision)
    folder = download(repo_id, revision=rev, local_files_only=local_files_only, as_source=True)
    where = f"Hub repo {repo_id}" + (f"@{rev}" if rev else "")
    if not (folder / CONFIG_NAME).is_file():
        raise ModelLoadError(_missing_config_message(where, _remote_files(repo_id, rev)))
    if not (folder / WEIGHTS_NAME).is_file():
        raise ModelLoadError(f"{where} has no {WEIGHTS_NAME} (ganzoo reads only safetensors weights)")
    return load_folder(folder / CONFIG_NAME, folder / WEIGHTS_NAME, device=device, where=where)


def _remote_files(repo_id: str, revision: str | None) -> list[str]:
    """The repo's file names, to explain a refusal; empty when the Hub cannot be asked."""
    from huggingface_hub import HfApi

    try:
        return HfApi(library_name="ganzoo", library_version=__version__).list_repo_files(
            repo_id, revision=revision
        )
    except Exception:  # only used to word an error message
        return []


def hub_exceptions() -> tuple[type[BaseException], ...]:
    """What ``huggingface_hub`` raises for Hub and network trouble (its HTTP library varies by version)."""
    import importlib

    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    found: list[type[BaseException]] = [
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        OSError,
    ]
    for module in ("httpx2", "httpx"):  # requests' errors are OSErrors
        try:
            found.append(importlib.import_module(module).HTTPError)
        except ImportError:
            continue
    return tuple(found)


def hub_error(
    exc: Exception, repo_id: str, revision: str | None = None, *, as_source: bool = False
) -> GanzooError:
    """A one-line :class:`GanzooError` for a ``huggingface_hub`` error about ``repo_id``.

    ``as_source``: the repo id was given where a local folder would also do, so say that none exists.
    """
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    rev = f"@{revision}" if revision else ""
    if isinstance(exc, RevisionNotFoundError):
        return ModelLoadError(f"Hub repo {repo_id} has no revision {revision or 'main'!r}")
    if isinstance(exc, RepositoryNotFoundError):
        local = f"no folder {repo_id} here and " if as_source else ""
        return ModelLoadError(
            f"{local}no model repo {repo_id} on the Hub (if it is private, run `hf auth login` or set HF_TOKEN)"
        )
    if isinstance(exc, (LocalEntryNotFoundError, OfflineModeIsEnabled)):
        return ModelLoadError(
            f"{repo_id}{rev} is not in the local Hub cache and the Hub cannot be reached "
            "(offline, or HF_HUB_OFFLINE=1): run `ganzoo pull` while online first"
        )
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status in (401, 403):
            return GanzooError(
                f"the Hub refused the token for {repo_id} (HTTP {status}): run `hf auth login` "
                "(or `huggingface-cli login`) or set HF_TOKEN to a token with write access"
            )
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return GanzooError(f"Hub request for {repo_id}{rev} failed: {first}")
    return GanzooError(f"Hub request for {repo_id}{rev} failed: {type(exc).__name__}: {exc}")


def download(
    repo_id: str,
    *,
    revision: str | None = None,
    local_dir: str | os.PathLike | None = None,
    local_files_only: bool | None = None,
    as_source: bool = False,
) -> Path:
    """Fetch the model files of ``repo_id`` (into the Hub cache, or ``local_dir``); returns the folder."""
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(
            repo_id,
            revision=revision,
            local_dir=local_dir,
            allow_patterns=list(MODEL_FILES),
            library_name="ganzoo",
            library_version=__version__,
            local_files_only=bool(local_files_only),
        )
    except hub_exceptions() as exc:
        raise hub_error(exc, repo_id, revision, as_source=as_source) from None
    return Path(folder)


def load_folder(
    config_path: str | os.PathLike,
    weights: str | os.PathLike,
    *,
    device: str = "cpu",
    where: str | None = None,
) -> GanModel:
    """Rebuild the nets named in ``config_path`` with the installed plugins and load ``weights`` strictly."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from ganzoo.model import GanModel
    from ganzoo.registry import get_registry

    config_path, weights = Path(config_path), Path(weights)
    where = where or str(config_path.parent)
    config = read_config(config_path, where)
    data = DataSpec.from_json(config["data"])
    latent = LatentSpec.from_json(config["latent"])
    registry = get_registry()
    nets = {}
    for role in NET_ROLES:
        entry = config["components"][role]
        name, dist, version = entry["name"], entry.get("distribution"), entry.get("version")
        try:
            comp = registry.get(name, role)
        except UnknownComponentError:
            origin = f"the distribution {dist}" + (f" (version {version})" if version else "")
            fix = f"`pip install {dist}`" if dist else "install the plugin that provides it"
            raise ModelLoadError(
                f"{where} needs {role} {name!r} from {origin if dist else 'a plugin'}, which is not installed: {fix}"
            ) from None
        args = (data,) if role == "generator" else (data, latent)
        try:
            nets[role] = comp.load()(*args, **entry.get("params", {}))
        except Exception as exc:
            installed = (
                f" (installed: {comp.origin}; the model was made with {dist} {version})"
                if comp.origin
                else ""
            )
            raise ModelLoadError(f"cannot rebuild {role} {name!r} of {where}: {exc}{installed}") from None
    if nets["generator"].latent.to_json() != latent.to_json():
        raise ModelLoadError(
            f"{where}: the rebuilt generator's latent layout {nets['generator'].latent} differs from "
            f"config.json's {latent}; the installed plugin does not match the one the model was made with"
        )
    model = GanModel(nets["generator"], nets["discriminator"], data, config)
    try:
        state = load_file(str(weights), device="cpu")
    except (SafetensorError, OSError) as exc:
        raise ModelLoadError(f"{weights.name} of {where} is not a readable safetensors file: {exc}") from None
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches raise even when not strict
        detail = " ".join(str(exc).split("\n\t")[1:2]).strip() or str(exc).splitlines()[0]
        raise ModelLoadError(f"weights of {where} do not match its config.json: {detail}") from None
    if result.missing_keys or result.unexpected_keys:
        parts = []
        for label, keys in (("missing", result.missing_keys), ("unexpected", result.unexpected_keys)):
            if keys:
                parts.append(f"{len(keys)} {label} ({', '.join(keys[:3])}{', …' if len(keys) > 3 else ''})")
        raise ModelLoadError(f"weights of {where} do not match its config.json: {'; '.join(parts)}")
    model.eval()
    return model.to(torch.device(device))
