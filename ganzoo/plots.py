"""The loss-curve plot of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ganzoo.fsutil import atomic_write


def save_loss_plot(history: list[dict[str, Any]], path: Path, title: str = "losses") -> Path:
    """Plot every ``*loss`` series of ``history`` (metrics.jsonl lines) against the step."""
    from matplotlib.figure import Figure

    rows = [h for h in history if "img_per_s" in h]
    keys = sorted({k for h in rows for k in h if k.endswith("loss")})
    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    for k in keys:
        pts = [(h["step"], h[k]) for h in rows if k in h]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=k)
    ax.set_xlabel("step")
    ax.set_title(title)
    if keys:
        ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
