"""Pictures of samples: image grids and 2-D scatter plots, written atomically as PNG."""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

from ganzoo.fsutil import atomic_write


def grid_image(images: torch.Tensor, nrow: int | None = None, padding: int = 2):
    """A PIL image tiling ``images`` (N, C, H, W) in [-1, 1]; ``nrow`` images per row (default: square)."""
    from PIL import Image
    from torchvision.utils import make_grid

    if images.ndim != 4:
        raise ValueError(f"expected images shaped (N, C, H, W), got {tuple(images.shape)}")
    x = images.detach().float().cpu().clamp(-1, 1).add(1).div(2)
    nrow = nrow or max(1, math.ceil(math.sqrt(x.shape[0])))
    grid = make_grid(x, nrow=nrow, padding=padding, pad_value=1.0)
    arr = grid.mul(255).add(0.5).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
    if images.shape[1] == 1:
        return Image.fromarray(arr[:, :, 0].copy())  # grayscale ("L")
    return Image.fromarray(arr)


def save_grid(images: torch.Tensor, path: str | os.PathLike, nrow: int | None = None) -> Path:
    """Write ``images`` (N, C, H, W) in [-1, 1] as one PNG grid; returns the path."""
    img = grid_image(images, nrow)
    return atomic_write(path, lambda tmp: img.save(tmp, format="PNG"))


def save_scatter(
    points: torch.Tensor,
    path: str | os.PathLike,
    *,
    real: torch.Tensor | None = None,
    title: str | None = None,
    limit: float | None = None,
) -> Path:
    """Write 2-D ``points`` (N, 2) as a scatter PNG, with optional ``real`` points behind them."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    pts = points.detach().float().cpu()
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"expected points shaped (N, 2), got {tuple(pts.shape)}")
    fig = Figure(figsize=(5, 5), dpi=100)
    ax = fig.add_subplot()
    if real is not None:
        r = real.detach().float().cpu()
        ax.scatter(r[:, 0], r[:, 1], s=4, c="tab:gray", alpha=0.4, label="real")
    ax.scatter(pts[:, 0], pts[:, 1], s=4, c="tab:orange", alpha=0.8, label="generated")
    if limit is not None:
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    if real is not None:
        ax.legend(loc="upper right", markerscale=3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))


def save_samples(samples: torch.Tensor, path: str | os.PathLike, nrow: int | None = None) -> Path:
    """Write samples as a picture: a grid for images (N, C, H, W), a scatter plot for 2-D points (N, 2)."""
    if samples.ndim == 4:
        return save_grid(samples, path, nrow)
    if samples.ndim == 2 and samples.shape[1] == 2:
        return save_scatter(samples, path)
    raise ValueError(f"cannot draw samples shaped {tuple(samples.shape)}: expected images or 2-D points")
