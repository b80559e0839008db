"""The 2-D critic map: the discriminator's output over the plane, with real and generated points on top.

For 2-D datasets the engine writes ``samples/critic-step-NNNNNNN.png`` next to every sample sheet, and
at the end of a run the sequence as ``critic-maps.gif`` (animated) and ``critic-maps.png`` (tiles), so
one can watch the generator's points move onto the modes while the critic's landscape reshapes.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

from ganzoo.fsutil import atomic_write
from ganzoo.model import GanModel

#: ``samples/critic-step-NNNNNNN.png`` beside each ``samples/step-NNNNNNN.png``.
PREFIX = "critic-"
GIF_NAME = "critic-maps.gif"
TILES_NAME = "critic-maps.png"


def critic_map_of(sheet: str | os.PathLike | None) -> Path | None:
    """The critic map written beside the sample sheet ``sheet``, or None when there is none."""
    if sheet is None:
        return None
    path = Path(sheet)
    path = path.with_name(f"{PREFIX}{path.name}")
    return path if path.is_file() else None


def plane_bounds(real: torch.Tensor, margin: float = 0.25) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)``: a square around the real points' extent, widened by ``margin`` of its side."""
    r = real.detach().float().cpu()
    lo, hi = r.min(0).values, r.max(0).values
    centre = (lo + hi) / 2
    half = float((hi - lo).max()) / 2 * (1 + 2 * margin) or 1.0
    cx, cy = float(centre[0]), float(centre[1])
    return cx - half, cx + half, cy - half, cy + half


@torch.no_grad()
def critic_grid(
    model: GanModel, bounds: tuple[float, float, float, float], resolution: int = 64
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(xs, ys, scores)``: the model's score over a ``resolution``² grid, ``scores[i, j]`` at ``(xs[j], ys[i])``.

    One batched forward pass (one per label for conditional models, whose map is the mean over labels).
    """
    x0, x1, y0, y1 = bounds
    xs, ys = torch.linspace(x0, x1, resolution), torch.linspace(y0, y1, resolution)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
    lat = model.latent
    if lat.conditional:
        scores = torch.stack(
            [model.score(grid, torch.full((len(grid),), k, dtype=torch.long)) for k in range(lat.num_classes)]
        ).mean(0)
    else:
        scores = model.score(grid)
    return xs, ys, torch.nan_to_num(scores, nan=0.0).reshape(resolution, resolution)


def save_critic_map(
    model: GanModel,
    path: str | os.PathLike,
    *,
    real: torch.Tensor,
    fake: torch.Tensor,
    title: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    resolution: int = 64,
) -> Path:
    """Write the critic map of a 2-D ``model`` as a PNG: filled contours of ``model.score`` over the plane
    (``bounds``, default: the real points' extent plus a margin), ``real`` and ``fake`` points on top."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    r, f = real.detach().float().cpu(), fake.detach().float().cpu()
    for name, pts in (("real", r), ("fake", f)):
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f"the critic map needs 2-D points; {name} is shaped {tuple(pts.shape)}")
    bounds = bounds or plane_bounds(r)
    xs, ys, scores = critic_grid(model, bounds, resolution)
    lo, hi = float(scores.min()), float(scores.max())
    levels = torch.linspace(lo, hi if hi > lo else lo + 1e-6, 21).tolist()
    fig = Figure(figsize=(6, 5), dpi=100)
    ax = fig.add_subplot()
    filled = ax.contourf(xs.numpy(), ys.numpy(), scores.numpy(), levels=levels, cmap="viridis")
    fig.colorbar(filled, ax=ax, label="discriminator score (higher: more real)")
    ax.scatter(r[:, 0], r[:, 1], s=3, c="white", alpha=0.5, label="real")
    ax.scatter(f[:, 0], f[:, 1], s=5, c="tab:red", marker="+", linewidths=0.6, alpha=0.8, label="generated")
    x0, x1, y0, y1 = bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.legend(loc="upper right", markerscale=3, framealpha=0.8)
    outside = int(((f[:, 0] < x0) | (f[:, 0] > x1) | (f[:, 1] < y0) | (f[:, 1] > y1)).sum())
    if title or outside:
        note = f" ({outside} generated outside)" if outside else ""
        ax.set_title(f"{title or ''}{note}", fontsize=10)
    fig.tight_layout()
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))


def _spread(items: list[Path], k: int) -> list[Path]:
    """At most ``k`` items evenly spread over ``items``, always with the first and the last."""
    if len(items) <= k:
        return items
    idx = sorted({round(i * (len(items) - 1) / (k - 1)) for i in range(k)})
    return [items[i] for i in idx]


def save_critic_sequence(
    run_dir: str | os.PathLike, *, max_frames: int = 60, max_tiles: int = 16, frame_ms: int = 600
) -> list[Path]:
    """Assemble the run's ``samples/critic-step-*.png`` into ``critic-maps.gif`` and ``critic-maps.png``
    (at most ``max_tiles`` frames, first and last included, four to a row); returns the files written,
    none for a run without critic maps (image data)."""
    from PIL import Image

    run_dir = Path(run_dir)
    frames = sorted((run_dir / "samples").glob(f"{PREFIX}step-*.png"))
    if not frames:
        return []
    pictures = []
    for frame in _spread(frames, max_frames):
        with Image.open(frame) as im:
            pictures.append(im.convert("RGB"))
    durations = [frame_ms] * (len(pictures) - 1) + [frame_ms * 4]  # linger on the last map
    gif = atomic_write(
        run_dir / GIF_NAME,
        lambda tmp: pictures[0].save(
            tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0
        ),
    )
    chosen = _spread(frames, max_tiles)
    cols = min(4, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    w, h = pictures[0].size
    scale = min(1.0, 400 / w)
    tw, th = int(w * scale), int(h * scale)
    sheet = Image.new("RGB", (cols * tw, rows * th), "white")
    for i, frame in enumerate(chosen):
        with Image.open(frame) as im:
            sheet.paste(
                im.convert("RGB").resize((tw, th), Image.LANCZOS), ((i % cols) * tw, (i // cols) * th)
            )
    png = atomic_write(run_dir / TILES_NAME, lambda tmp: sheet.save(tmp, format="PNG"))
    return [gif, png]
