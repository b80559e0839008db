"""Sampling generator inputs from a :class:`~ganzoo.spec.LatentSpec`."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from ganzoo.spec import LatentSpec


class Latent(NamedTuple):
    """One batch of generator input.

    ``z`` is the full vector (noise, one-hot categorical codes, continuous codes); ``y`` the labels of a
    conditional generator (else None); ``cat`` (B, n_cat) int64 and ``cont`` (B, n_cont) the codes.
    """

    z: torch.Tensor
    y: torch.Tensor | None
    cat: torch.Tensor | None
    cont: torch.Tensor | None


def sample_latent(
    spec: LatentSpec,
    n: int,
    *,
    device: torch.device | str = "cpu",
    generator: torch.Generator | None = None,
    labels: torch.Tensor | None = None,
    codes: torch.Tensor | None = None,
    continuous: torch.Tensor | None = None,
) -> Latent:
    """Draw ``n`` inputs; ``labels``/``codes``/``continuous`` fix the label or InfoGAN codes instead."""
    device = torch.device(device)
    noise = torch.randn(n, spec.noise_dim, device=device, generator=generator)
    parts = [noise]
    y = None
    if spec.num_classes:
        if labels is None:
            y = torch.randint(0, spec.num_classes, (n,), device=device, generator=generator)
        else:
            y = torch.as_tensor(labels, dtype=torch.long, device=device).reshape(n)
            if (y < 0).any() or (y >= spec.num_classes).any():
                raise ValueError(f"labels must lie in [0, {spec.num_classes - 1}]")
    cat = None
    if spec.categorical:
        if codes is None:
            cat = torch.stack(
                [torch.randint(0, k, (n,), device=device, generator=generator) for k in spec.categorical], 1
            )
        else:  # only given codes are checked: the check syncs with the device, drawn codes need none
            cat = torch.as_tensor(codes, dtype=torch.long, device=device).reshape(n, len(spec.categorical))
            for i, k in enumerate(spec.categorical):
                if (cat[:, i] < 0).any() or (cat[:, i] >= k).any():
                    raise ValueError(f"categorical code {i} must lie in [0, {k - 1}]")
        for i, k in enumerate(spec.categorical):
            parts.append(F.one_hot(cat[:, i], k).to(noise.dtype))
    cont = None
    if spec.continuous:
        if continuous is None:
            cont = torch.rand(n, spec.continuous, device=device, generator=generator) * 2 - 1
        else:
            cont = torch.as_tensor(continuous, dtype=noise.dtype, device=device).reshape(n, spec.continuous)
        parts.append(cont)
    z = torch.cat(parts, 1) if len(parts) > 1 else noise
    return Latent(z, y, cat, cont)
