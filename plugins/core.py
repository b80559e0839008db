"""Losses and trainers that every family can combine: non-saturating/minimax BCE, hinge, least
squares, and the alternating trainer (k discriminator steps per generator step)."""

from __future__ import annotations

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import SCORE

_LOSSES = "ganzoo_plugins.nn.losses"
_TRAINERS = "ganzoo_plugins.nn.trainers"

#: The alternating trainer's hyperparameters; other trainers extend them.
TRAINER_PARAMS = (
    Param("optimizer", str, "adam", "optimiser of both nets", choices=("adam", "rmsprop")),
    Param("lr_g", float, 2e-4, "generator learning rate", min=0),
    Param("lr_d", float, 2e-4, "discriminator learning rate", min=0),
    Param("beta1", float, 0.5, "Adam beta1", min=0, max=1),
    Param("beta2", float, 0.999, "Adam beta2", min=0, max=1),
    Param("d_steps", int, 1, "discriminator updates per generator update (n_critic)", min=1),
)


@hookimpl
def register_components(register):
    register(
        Component(
            "bce",
            "loss",
            "binary cross-entropy GAN loss; non-saturating generator loss by default",
            factory=f"{_LOSSES}:BCELoss",
            needs={SCORE},
            paper="Goodfellow et al. 2014 (arXiv 1406.2661)",
            params=(
                Param(
                    "saturating",
                    bool,
                    False,
                    "minimax generator loss log(1 - D(G(z))) instead of -log D(G(z))",
                ),
            ),
        )
    )
    register(
        Component(
            "hinge",
            "loss",
            "hinge loss (geometric GAN / SAGAN)",
            factory=f"{_LOSSES}:HingeLoss",
            needs={SCORE},
            paper="Lim & Ye 2017 (arXiv 1705.02894)",
        )
    )
    register(
        Component(
            "lsgan",
            "loss",
            "least-squares GAN loss (targets a=0, b=c=1)",
            factory=f"{_LOSSES}:LeastSquaresLoss",
            needs={SCORE},
            paper="Mao et al. 2017 (arXiv 1611.04076)",
        )
    )
    register(
        Component(
            "alternating",
            "trainer",
            "k discriminator updates, then one generator update",
            factory=f"{_TRAINERS}:AlternatingTrainer",
            params=TRAINER_PARAMS,
        )
    )
