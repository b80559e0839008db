"""Wasserstein losses (Arjovsky et al. 2017; Gulrajani et al. 2017): the critic's mean difference,
optionally with a gradient penalty on random interpolates between real and generated samples."""

from __future__ import annotations

import torch

from ganzoo.data import Batch
from ganzoo.latent import Latent

from .losses import ScoreLoss


def gradient_penalty(
    D,
    real: torch.Tensor,
    fake: torch.Tensor,
    y: torch.Tensor | None = None,
    alpha: torch.Tensor | None = None,
) -> torch.Tensor:
    """``E[(‖∇ D(x̂)‖₂ − 1)²]`` with ``x̂ = real + α (fake − real)``, differentiable (create_graph).

    The norm is taken per sample over all of its features (C·H·W for images), not per pixel.
    ``alpha`` (B,) defaults to U(0, 1) per sample; ``y`` are the labels a conditional critic reads.
    """
    real, fake = real.detach(), fake.detach()
    if alpha is None:
        alpha = torch.rand(real.shape[0], device=real.device, dtype=real.dtype)
    alpha = alpha.to(real.dtype).view(-1, *([1] * (real.dim() - 1)))
    x = (real + alpha * (fake - real)).requires_grad_(True)
    score = D(x, y)["score"]
    (grad,) = torch.autograd.grad(score.sum(), x, create_graph=True)
    return (grad.flatten(1).norm(2, dim=1) - 1).pow(2).mean()


class WassersteinLoss(ScoreLoss):
    """Critic: ``E[D(G(z))] − E[D(x)]``; generator: ``−E[D(G(z))]``. Needs a Lipschitz constraint
    (weight clipping in the ``wgan`` trainer, or the gradient penalty of :class:`WassersteinGPLoss`)."""

    def d_terms(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return fake.mean() - real.mean()

    def g_term(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.mean()

    def discriminator(self, D, real: Batch, fake: torch.Tensor, latent: Latent):
        loss, logs = super().discriminator(D, real, fake, latent)
        logs["w_dist"] = logs["d_real"] - logs["d_fake"]
        return loss, logs


class WassersteinGPLoss(WassersteinLoss):
    """WGAN-GP: the Wasserstein critic loss plus ``gp_weight`` × :func:`gradient_penalty`.

    A conditional critic sees the interpolates with the real batch's labels.
    """

    def __init__(self, gp_weight: float = 10.0) -> None:
        self.gp_weight = gp_weight

    def discriminator(self, D, real: Batch, fake: torch.Tensor, latent: Latent):
        loss, logs = super().discriminator(D, real, fake, latent)
        gp = gradient_penalty(D, real.x, fake, real.y)
        logs["gp"] = gp.detach()
        return loss + self.gp_weight * gp, logs
