"""The ACGAN loss (Odena et al. 2017): real/fake BCE plus cross-entropy on the class head, for real
and generated images, in both nets."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganzoo.data import Batch
from ganzoo.latent import Latent


def _labels(latent: Latent) -> torch.Tensor:
    if latent.y is None:
        raise ValueError("the acgan loss needs a conditional generator (latent labels y)")
    return latent.y


class ACGANLoss:
    """D: ``BCE(real, 1) + BCE(fake, 0) + w·(CE(c(x), y) + CE(c(G(z, y')), y'))``;
    G: ``BCE(fake, 1) + w·CE(c(G(z, y')), y')`` (non-saturating); ``w`` is ``class_weight``.

    With ``d_fake_class=False`` D's class head learns from real images only (as in StudioGAN): D then never
    learns to call a generated image by the label G was asked for, which removes ACGAN's shortcut of
    drawing one easy class for another.
    """

    def __init__(self, class_weight: float = 1.0, d_fake_class: bool = True) -> None:
        self.class_weight = class_weight
        self.d_fake_class = d_fake_class

    def discriminator(self, D, real: Batch, fake: torch.Tensor, latent: Latent):
        if real.y is None:
            raise ValueError("the acgan loss needs labelled real data")
        y_fake = _labels(latent)
        out_r, out_f = D(real.x, real.y), D(fake, y_fake)
        adv = F.softplus(-out_r["score"]).mean() + F.softplus(out_f["score"]).mean()
        ce = F.cross_entropy(out_r["class_logits"], real.y)
        if self.d_fake_class:
            ce = ce + F.cross_entropy(out_f["class_logits"], y_fake)
        logs = {
            "d_real": out_r["score"].detach().mean(),
            "d_fake": out_f["score"].detach().mean(),
            "d_class": ce.detach(),
            "class_acc": (out_r["class_logits"].detach().argmax(1) == real.y).float().mean(),
        }
        return adv + self.class_weight * ce, logs

    def generator(self, D, fake: torch.Tensor, latent: Latent, real: Batch):
        y = _labels(latent)
        out = D(fake, y)
        ce = F.cross_entropy(out["class_logits"], y)
        return F.softplus(-out["score"]).mean() + self.class_weight * ce, {"g_class": ce.detach()}
