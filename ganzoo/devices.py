"""The ``--device`` option, resolved the same way by every command."""

from __future__ import annotations

import os
import statistics
import time

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


#: Linux's live scheduler counters; ``procs_running`` is the number of runnable tasks right now.
PROC_STAT = "/proc/stat"


def _procs_running() -> int | None:
    """The ``procs_running`` count of :data:`PROC_STAT`, or None where it cannot be read."""
    try:
        with open(PROC_STAT) as f:
            for line in f:
                if line.startswith("procs_running"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def busy_cores(samples: int = 5, interval: float = 0.02) -> float:
    """Cores that other work holds now: the median of a few readings of ``procs_running`` in
    :data:`PROC_STAT`, less this process's own running thread. Where that file is missing, the 1-minute
    load average, which lags: it still counts a job that ended a minute ago and misses one that just began."""
    counts: list[int] = []
    for i in range(samples):
        if i:
            time.sleep(interval)
        running = _procs_running()
        if running is None:
            break
        counts.append(max(0, running - 1))
    if counts:
        return statistics.median(counts)
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform
        return 0.0


def cpu_threads(requested: int = 0) -> int | None:
    """Torch CPU threads for a run: ``requested`` when > 0; for 0 (auto) the cores this process may use
    minus those other work holds now (:func:`busy_cores`), at least 1; None when ``OMP_NUM_THREADS`` is
    set (the user chose). On a shared machine torch's default of one thread per core collapses (up to
    several times slower) as soon as another job holds a core; auto leaves that core alone."""
    if requested > 0:
        return requested
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, round(cores - busy_cores())))
