"""Implementations of the example plugin's components (imported only when one is built)."""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F

from ganzoo.data import Batch, TensorData
from ganzoo.errors import DataError
from ganzoo.latent import Latent
from ganzoo.spec import DataSpec


class RelativisticLoss:
    """Relativistic standard GAN (RSGAN), or its relativistic average variant (RaSGAN).

    With critic scores ``C(x)``: D minimises ``-log sigmoid(C(real) - C(fake))`` and G minimises
    ``-log sigmoid(C(fake) - C(real))``. With ``average``, each score is compared with the mean score
    of the other side, and both terms appear in both losses.
    """

    def __init__(self, average: bool = False) -> None:
        self.average = average

    def _relative(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``-log sigmoid(a - b)``, the loss of claiming that ``a`` looks more real than ``b``."""
        if self.average:
            return F.softplus(-(a - b.mean())).mean() + F.softplus(b - a.mean()).mean()
        return F.softplus(-(a - b)).mean()

    def discriminator(
        self, D, real: Batch, fake: torch.Tensor, latent: Latent
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        s_real = D(real.x, real.y)["score"]
        s_fake = D(fake, latent.y)["score"]
        logs = {"d_real": s_real.detach().mean(), "d_fake": s_fake.detach().mean()}
        return self._relative(s_real, s_fake), logs

    def generator(
        self, D, fake: torch.Tensor, latent: Latent, real: Batch
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        s_fake = D(fake, latent.y)["score"]
        s_real = D(real.x, real.y)["score"].detach()
        return self._relative(s_fake, s_real), {}


class Spiral:
    """``arms`` interleaved Archimedean spiral arms in the plane; each point's label is its arm."""

    @staticmethod
    def spec(data_dir: str | Path | None = None, arms: int = 2, **params) -> DataSpec:
        return DataSpec("spiral", "points", (2,), tuple(f"arm{i}" for i in range(arms)))

    @classmethod
    def load(
        cls,
        split: str = "train",
        data_dir: str | Path | None = None,
        download: bool = False,
        *,
        arms: int = 2,
        turns: float = 1.5,
        radius: float = 2.0,
        noise: float = 0.05,
        n: int = 20_000,
        seed: int = 0,
    ) -> TensorData:
        if split not in ("train", "test"):
            raise DataError(f"unknown split {split!r}; use 'train' or 'test'")
        gen = torch.Generator().manual_seed(seed * 2 + (0 if split == "train" else 1))
        y = torch.randint(0, arms, (n,), generator=gen)
        t = torch.rand(n, generator=gen).sqrt()  # uniform density along the area swept by the arm
        angle = t * (2 * math.pi * turns) + y * (2 * math.pi / arms)
        x = torch.stack([angle.cos(), angle.sin()], 1) * (radius * t).unsqueeze(1)
        x = x + noise * torch.randn(n, 2, generator=gen)
        return TensorData(cls.spec(arms=arms), x.float(), y)
