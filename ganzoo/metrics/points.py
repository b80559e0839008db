"""Mode coverage on 2-D Gaussian mixtures (``ring8``, ``grid25``), as in the VEEGAN and PacGAN papers.

A sample is *high quality* when it lies within ``3 * std`` (Euclidean distance) of its nearest mode
centre. A mode is *covered* when at least ``min_share`` (default 10%) of its fair share ``n / K`` of the
samples are high-quality samples nearest to it; ``modes_any`` applies VEEGAN's looser rule (at least one
high-quality sample). ``mode_kl`` is KL(generated mode histogram || uniform) over the high-quality samples.
"""

from __future__ import annotations

import math

import torch


def mode_metrics(
    points: torch.Tensor, centers: torch.Tensor, std: float, *, min_share: float = 0.1, radius: float = 3.0
) -> dict[str, float]:
    """``modes``, ``modes_any``, ``hq`` (share of high-quality samples), ``mode_kl`` and ``mode_score``.

    ``mode_score`` = (modes / K) · hq, in [0, 1]: 1 for a perfect sampler, at most 1/K for a collapsed one.
    """
    points = points.detach().double().cpu()
    centers = torch.as_tensor(centers).double().cpu()
    n, k = len(points), len(centers)
    if n == 0:
        raise ValueError("mode coverage needs at least one sample")
    dist = torch.cdist(points, centers)
    nearest_d, nearest = dist.min(1)
    finite = torch.isfinite(points).all(1)
    hq = finite & (nearest_d <= radius * std)
    counts = torch.bincount(nearest[hq], minlength=k)
    need = max(1, math.ceil(min_share * n / k))
    modes = int((counts >= need).sum())
    hq_share = float(hq.double().mean())
    if counts.sum() > 0:
        p = counts.double() / counts.sum()
        nz = p > 0
        kl = float((p[nz] * (p[nz] * k).log()).sum())
    else:
        kl = math.log(k)
    return {
        "modes": float(modes),
        "modes_any": float(int((counts >= 1).sum())),
        "num_modes": float(k),
        "hq": hq_share,
        "mode_kl": kl,
        "mode_score": modes / k * hq_share,
    }


def nearest_mode(points: torch.Tensor, centers: torch.Tensor) -> torch.Tensor:
    """Index of the nearest mode centre of each point."""
    return torch.cdist(points.double().cpu(), torch.as_tensor(centers).double().cpu()).argmin(1)
