"""Wasserstein GAN (Arjovsky et al. 2017): a critic without sigmoid, its mean difference as the loss,
weight clipping, RMSProp 5e-5 and n_critic = 5."""

from __future__ import annotations

from dataclasses import replace

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import LIPSCHITZ, SCORE

from .core import TRAINER_PARAMS

PAPER = "Arjovsky et al. 2017 (arXiv 1701.07875)"
_DEFAULTS = {"optimizer": "rmsprop", "lr_g": 5e-5, "lr_d": 5e-5, "d_steps": 5}
WGAN_TRAINER_PARAMS = (
    *(replace(p, default=_DEFAULTS.get(p.name, p.default)) for p in TRAINER_PARAMS),
    Param(
        "clip", float, 0.01, "clamp every critic weight to [-clip, clip] after each update (0: off)", min=0
    ),
)


@hookimpl
def register_components(register):
    register(
        Component(
            "wgan",
            "loss",
            "Wasserstein critic loss E[D(G(z))] - E[D(x)], generator -E[D(G(z))]; needs a Lipschitz "
            "constraint (the wgan trainer's clipping)",
            factory="ganzoo_plugins.nn.wgan:WassersteinLoss",
            needs={SCORE, LIPSCHITZ},
            paper=PAPER,
        )
    )
    register(
        Component(
            "wgan",
            "trainer",
            "n_critic critic updates with weight clipping, then one generator update (RMSProp)",
            factory="ganzoo_plugins.nn.trainers:AlternatingTrainer",
            provides={LIPSCHITZ},
            paper=PAPER,
            params=WGAN_TRAINER_PARAMS,
        )
    )
    register(
        Component(
            "wgan",
            "family",
            "Wasserstein GAN: DCGAN nets as critic, weight clipping 0.01, RMSProp 5e-5, n_critic 5",
            paper=PAPER,
            parts={"generator": "dcgan", "discriminator": "dcgan", "loss": "wgan", "trainer": "wgan"},
            defaults={
                "generator": {"width": 32},
                "discriminator": {"width": 32},
                "train": {"batch_size": 64, "steps": 4000},
            },
        )
    )
