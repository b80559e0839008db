"""The original GAN (Goodfellow et al. 2014): MLP generator and discriminator, non-saturating BCE."""

from __future__ import annotations

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import SCORE

PAPER = "Goodfellow et al. 2014 (arXiv 1406.2661)"
_MLP = "ganzoo_plugins.nn.mlp"
#: The MLP nets' hyperparameters; the conditional MLP nets (cgan) share them.
G_PARAMS = (
    Param("noise_dim", int, 100, "size of the Gaussian noise vector", min=1),
    Param("hidden", str, "256,512,1024", "comma-separated hidden widths"),
)
D_PARAMS = (
    Param("hidden", str, "1024,512,256", "comma-separated hidden widths"),
    Param("dropout", float, 0.3, "dropout after each hidden layer", min=0, max=1),
)


@hookimpl
def register_components(register):
    register(
        Component(
            "mlp",
            "generator",
            "fully connected generator with LeakyReLU (tanh output for images)",
            factory=f"{_MLP}:MLPGenerator",
            paper=PAPER,
            params=G_PARAMS,
        )
    )
    register(
        Component(
            "mlp",
            "discriminator",
            "fully connected discriminator with LeakyReLU and dropout; one logit",
            factory=f"{_MLP}:MLPDiscriminator",
            provides={SCORE},
            paper=PAPER,
            params=D_PARAMS,
        )
    )
    register(
        Component(
            "gan",
            "family",
            "the original GAN: MLP nets, non-saturating BCE loss",
            paper=PAPER,
            parts={"generator": "mlp", "discriminator": "mlp", "loss": "bce", "trainer": "alternating"},
            defaults={"trainer": {"lr_g": 2e-4, "lr_d": 2e-4}, "train": {"batch_size": 64, "steps": 15000}},
        )
    )
