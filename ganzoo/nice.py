"""Discriminator-ranked sampling (``ganzoo sample --nice``): draw a pool, keep what the discriminator likes best.

The Keras DCGAN tutorial's ``--nice`` mode generated many images and kept the top 5% by the
discriminator's score. Here any model that keeps its discriminator can do it, in batches, so memory
holds only the ``n`` best so far and one batch of candidates, whatever the pool size.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ganzoo.latent import sample_latent
from ganzoo.model import GanModel


def _groups(n: int, labels: Any, codes: Any) -> dict[tuple, list[int]]:
    """Positions of the output that share a requested label and code row (one group when none is given)."""
    lab = None if labels is None else torch.as_tensor(labels).reshape(n).tolist()
    cod = None if codes is None else torch.as_tensor(codes).reshape(n, -1).tolist()
    groups: dict[tuple, list[int]] = {}
    for i in range(n):
        key = (None if lab is None else lab[i], None if cod is None else tuple(cod[i]))
        groups.setdefault(key, []).append(i)
    return groups


@torch.no_grad()
def nice_sample(
    model: GanModel,
    n: int,
    *,
    pool: int | None = None,
    top_fraction: float = 0.05,
    labels: Any = None,
    codes: Any = None,
    seed: int | None = None,
    batch_size: int = 500,
) -> torch.Tensor:
    """The ``n`` samples the discriminator scores highest out of a pool, best first, on the CPU.

    The pool holds ``pool`` candidates (default ``ceil(n / top_fraction)``). With ``labels`` or ``codes``
    each requested label (and code row) gets its own pool in proportion, so the output keeps the
    requested labels at their positions. The same ``seed`` gives the same samples.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top fraction must lie in (0, 1], got {top_fraction}")
    size = pool if pool is not None else math.ceil(n / top_fraction)
    if size < n:
        raise ValueError(f"the pool ({size}) must hold at least the {n} samples to keep")
    gen = torch.Generator(device=model.device)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    out: torch.Tensor | None = None
    was_training = model.generator.training
    model.generator.eval()
    try:
        for (label, code), positions in _groups(n, labels, codes).items():
            keep = len(positions)
            best_x, best_s = None, None
            todo = math.ceil(size * keep / n)
            while todo > 0:
                b = min(batch_size, todo)
                todo -= b
                lat = sample_latent(
                    model.latent,
                    b,
                    device=model.device,
                    generator=gen,
                    labels=None if label is None else torch.full((b,), label, dtype=torch.long),
                    codes=None if code is None else torch.tensor([code] * b, dtype=torch.long),
                )
                x = model.generator(lat.z, lat.y)
                s = model.score(x, lat.y)  # on the CPU
                x = x.float().cpu()
                if best_x is not None:
                    x, s = torch.cat([best_x, x]), torch.cat([best_s, s])
                top = torch.topk(s, min(keep, len(s))).indices
                best_x, best_s = x[top], s[top]
            if out is None:
                out = torch.empty((n, *best_x.shape[1:]), dtype=best_x.dtype)
            out[positions] = best_x
    finally:
        model.generator.train(was_training)
    return out
