"""Checkpoints without pickle: tensors in safetensors, structure in JSON, written atomically.

A checkpoint is a folder ``checkpoints/step-NNNNNNN/`` holding ``nets.safetensors`` (the model's
state dict, keys prefixed ``generator.``/``discriminator.``), ``state.safetensors`` (optimiser, RNG and
data-order tensors) and ``state.json`` (everything else). It is written under a temporary name and
renamed into place; ``checkpoints/latest`` (replaced atomically) names the newest complete one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

LATEST = "latest"


def pack(obj: Any, tensors: dict[str, torch.Tensor], path: str = "t") -> Any:
    """Replace tensors in a nested structure by references into ``tensors``; JSON-safe result."""
    if isinstance(obj, torch.Tensor):
        key = f"{path}.{len(tensors)}"
        tensors[key] = obj.detach().cpu().contiguous().clone()
        return {"__tensor__": key}
    if isinstance(obj, dict):
        return {"__dict__": [[pack(k, tensors, path), pack(v, tensors, path)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"__tuple__" if isinstance(obj, tuple) else "__list__": [pack(v, tensors, path) for v in obj]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot checkpoint a {type(obj).__name__} without pickle")


def unpack(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Inverse of :func:`pack`."""
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__dict__" in obj:
            return {unpack(k, tensors): unpack(v, tensors) for k, v in obj["__dict__"]}
        if "__list__" in obj:
            return [unpack(v, tensors) for v in obj["__list__"]]
        if "__tuple__" in obj:
            return tuple(unpack(v, tensors) for v in obj["__tuple__"])
    return obj


def save_checkpoint(
    folder: Path, step: int, nets: dict[str, torch.Tensor], state: dict[str, Any], keep: int = 2
) -> Path:
    """Write checkpoint ``step`` under ``folder`` atomically; keep the newest ``keep`` checkpoints."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"step-{step:07d}"
    tmp = Path(tempfile.mkdtemp(dir=folder, prefix=f".step-{step:07d}."))
    try:
        save_file(
            {k: v.detach().cpu().contiguous() for k, v in nets.items()},
            str(tmp / "nets.safetensors"),
            metadata={"format": "pt"},
        )
        tensors: dict[str, torch.Tensor] = {}
        skeleton = pack(state, tensors)
        save_file(tensors, str(tmp / "state.safetensors"))
        (tmp / "state.json").write_text(json.dumps({"step": step, "state": skeleton}))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = folder / f".{LATEST}.tmp"
    pointer.write_text(final.name)
    os.replace(pointer, folder / LATEST)
    olds = sorted(p for p in folder.glob("step-*") if p.is_dir() and p != final)
    for old in olds[: max(0, len(olds) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint folder of a run, or None."""
    pointer = Path(run_dir) / "checkpoints" / LATEST
    if not pointer.is_file():
        return None
    path = pointer.parent / pointer.read_text().strip()
    return path if (path / "state.json").is_file() else None


def load_checkpoint(path: Path) -> tuple[int, dict[str, torch.Tensor], dict[str, Any]]:
    """``(step, nets state dict, state)`` of a checkpoint folder."""
    meta = json.loads((path / "state.json").read_text())
    nets = load_file(str(path / "nets.safetensors"))
    state = unpack(meta["state"], load_file(str(path / "state.safetensors")))
    return int(meta["step"]), nets, state
