"""Score-based GAN losses: each returns (loss, logs) and never touches an optimiser."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganzoo.data import Batch
from ganzoo.latent import Latent


class ScoreLoss:
    """Base for losses on the discriminator's ``"score"``: subclasses give the two formulas."""

    def d_terms(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def g_term(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def discriminator(self, D, real: Batch, fake: torch.Tensor, latent: Latent):
        s_real = D(real.x, real.y)["score"]
        s_fake = D(fake, latent.y)["score"]
        loss = self.d_terms(s_real, s_fake)
        return loss, {"d_real": s_real.detach().mean(), "d_fake": s_fake.detach().mean()}

    def generator(self, D, fake: torch.Tensor, latent: Latent, real: Batch):
        return self.g_term(D(fake, latent.y)["score"]), {}


class BCELoss(ScoreLoss):
    """``-log D(x) - log(1 - D(G(z)))`` for D; ``-log D(G(z))`` for G (or minimax with ``saturating``)."""

    def __init__(self, saturating: bool = False) -> None:
        self.saturating = saturating

    def d_terms(self, real, fake):
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def g_term(self, fake):
        return -F.softplus(fake).mean() if self.saturating else F.softplus(-fake).mean()


class HingeLoss(ScoreLoss):
    def d_terms(self, real, fake):
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()

    def g_term(self, fake):
        return -fake.mean()


class LeastSquaresLoss(ScoreLoss):
    def d_terms(self, real, fake):
        return 0.5 * ((real - 1).pow(2).mean() + fake.pow(2).mean())

    def g_term(self, fake):
        return 0.5 * (fake - 1).pow(2).mean()
