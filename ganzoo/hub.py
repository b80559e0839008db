"""Sharing models on the Hugging Face Hub: ``push`` uploads a model folder, ``pull`` fetches one.

A pushed repo is exactly a model folder (see :mod:`ganzoo.modelio`): ``config.json``,
``model.safetensors``, ``README.md`` and, when known, ``samples.png``, ``metrics.json`` and
``critic_map.png``. Nothing else in the folder is uploaded, and nothing else is downloaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ganzoo import __version__
from ganzoo.errors import GanzooError, ModelLoadError
from ganzoo.modelio import (
    CONFIG_NAME,
    CRITIC_MAP_NAME,
    METRICS_NAME,
    MODEL_FILES,
    SAMPLES_NAME,
    WEIGHTS_NAME,
    _is_model_folder,
    _missing_config_message,
    _remote_files,
    download,
    hub_error,
    hub_exceptions,
    parse_repo_id,
    read_config,
    refresh_card,
)

LOGIN_HINT = "run `hf auth login` (or `huggingface-cli login`) or set HF_TOKEN"


def model_folder(source: str | os.PathLike) -> Path:
    """The model folder of ``source``: the folder itself, or a run folder's ``model/``."""
    folder = Path(source).expanduser()
    if not folder.is_dir():
        raise GanzooError(f"no such folder: {folder}")
    if _is_model_folder(folder):
        return folder
    if _is_model_folder(folder / "model"):
        return folder / "model"
    if (folder / "checkpoints").is_dir():
        raise GanzooError(
            f"{folder} is a run folder without model/ (the run did not finish): "
            f"finish it with `ganzoo train --resume {folder}`, then push"
        )
    raise GanzooError(
        f"{folder} is neither a model folder ({CONFIG_NAME} + {WEIGHTS_NAME}) nor a run folder with model/"
    )


def _metrics_for(source: Path, folder: Path) -> dict[str, Any] | None:
    """Metrics written next to what the user named (a run folder's own first), else the model folder's."""
    for candidate in (source / METRICS_NAME, folder / METRICS_NAME):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise GanzooError(f"{candidate} cannot be read: {exc}") from None
            return data if isinstance(data, dict) else None
    return None


def push(
    source_dir: str | os.PathLike,
    repo_id: str,
    *,
    private: bool = False,
    revision: str | None = None,
    message: str | None = None,
    token: str | None = None,
) -> str:
    """Upload the model folder of ``source_dir`` (a model or run folder) to ``repo_id``; returns the commit URL.

    The repo is created when missing; ``revision`` names a branch, created when missing. Metrics found
    next to the model go into ``metrics.json`` and the model card first.
    """
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import RepositoryNotFoundError

    repo_id, revision = parse_repo_id(repo_id, revision)
    source = Path(source_dir).expanduser()
    folder = model_folder(source)
    config = read_config(folder / CONFIG_NAME)  # refuse a broken folder before anything is sent
    token = token or get_token()
    if not token:
        raise GanzooError(f"no Hub token to push with: {LOGIN_HINT}")
    refresh_card(folder, metrics=_metrics_for(source, folder), repo_id=repo_id)
    api = HfApi(token=token, library_name="ganzoo", library_version=__version__)
    summary = message or f"Upload {config.get('family', 'gan')} model with ganzoo {__version__}"
    try:
        api.create_repo(repo_id, private=True if private else None, exist_ok=True)  # None: the Hub's default
        if revision:
            api.create_branch(repo_id, branch=revision, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            revision=revision,
            commit_message=summary,
            allow_patterns=list(MODEL_FILES),
            # optional files of an earlier push that this model lacks would describe the wrong model
            delete_patterns=[SAMPLES_NAME, METRICS_NAME, CRITIC_MAP_NAME],
        )
    except RepositoryNotFoundError:
        raise GanzooError(f"the Hub does not let this token write to {repo_id}: {LOGIN_HINT}") from None
    except hub_exceptions() as exc:
        raise hub_error(exc, repo_id, revision) from None
    return str(info.commit_url)


def pull(repo_id: str, *, revision: str | None = None, local_dir: str | os.PathLike | None = None) -> Path:
    """Fetch the model folder of ``repo_id`` (``user/name[@rev]``) into the Hub cache or ``local_dir``."""
    repo_id, revision = parse_repo_id(repo_id, revision)
    folder = download(repo_id, revision=revision, local_dir=local_dir)
    where = f"Hub repo {repo_id}" + (f"@{revision}" if revision else "")
    if not (folder / CONFIG_NAME).is_file():
        raise ModelLoadError(_missing_config_message(where, _remote_files(repo_id, revision)))
    read_config(folder / CONFIG_NAME, where)
    if not (folder / WEIGHTS_NAME).is_file():
        raise ModelLoadError(f"{where} has no {WEIGHTS_NAME} (ganzoo reads only safetensors weights)")
    return folder
