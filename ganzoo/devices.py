"""The ``--device`` option, resolved the same way by every command."""

from __future__ import annotations

from ganzoo.errors import ConfigError


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is present, else ``cpu``; ``cuda[:N]`` without a GPU and unknown
    names are refused with one line."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {device}: no CUDA GPU is available here; use --device cpu or auto")
        return device
    if device != "cpu":
        raise ConfigError(f"unknown device {device!r}; use auto, cpu or cuda")
    return device
