"""The ``--device`` option, resolved the same way by every command."""

from __future__ import annotations

import os

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


def cpu_threads(requested: int = 0) -> int | None:
    """Torch CPU threads for a run: ``requested`` when > 0; for 0 (auto) the cores this process may use
    minus the load already on them (1-minute load average), at least 1; None when ``OMP_NUM_THREADS`` is
    set (the user chose). On a shared machine torch's default of one thread per core collapses (up to
    several times slower) as soon as another job holds a core; auto leaves that core alone."""
    if requested > 0:
        return requested
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        busy = 0.0
    return max(1, min(cores, round(cores - busy)))
