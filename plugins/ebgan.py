"""EBGAN (Zhao et al. 2016): an autoencoder discriminator, the margin loss and the pulling-away term."""

from __future__ import annotations

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import ENERGY

PAPER = "Zhao et al. 2016 (arXiv 1609.03126)"
_IMPL = "ganzoo_plugins.nn.ebgan"


@hookimpl
def register_components(register):
    register(
        Component(
            "autoencoder",
            "discriminator",
            "autoencoder critic: energy = reconstruction MSE per sample (conv for images, MLP for points)",
            factory=f"{_IMPL}:AutoencoderDiscriminator",
            provides={ENERGY},
            paper=PAPER,
            params=(
                Param("code_dim", int, 64, "size of the encoder's code", min=1),
                Param("width", int, 64, "channels of the first conv layer (images)", min=1),
                Param(
                    "norm",
                    str,
                    "batch",
                    "normalisation layers",
                    choices=("batch", "layer", "instance", "none"),
                ),
                Param("points_hidden", str, "128,128", "comma-separated MLP widths (points)"),
            ),
        )
    )
    register(
        Component(
            "ebgan",
            "loss",
            "EBGAN margin loss: D = E(x) + max(0, m - E(G(z))), G = E(G(z)) + pulling-away term",
            factory=f"{_IMPL}:EBGANLoss",
            needs={ENERGY},
            paper=PAPER,
            params=(
                # energy = per-pixel MSE of data in [-1, 1]: on MNIST a trained autoencoder gives reals
                # ~0.05-0.1; m = 1 lets D push fakes so far that G gets no usable signal (grey images)
                Param("margin", float, 0.3, "margin m on the fake energy (per-pixel MSE units)", min=0),
                Param("pt_weight", float, 0.1, "weight of the pulling-away term (0: plain EBGAN)", min=0),
            ),
        )
    )
    register(
        Component(
            "ebgan",
            "family",
            "energy-based GAN: DCGAN generator, autoencoder discriminator, margin loss with pulling-away term",
            paper=PAPER,
            parts={
                "generator": "dcgan",
                "discriminator": "autoencoder",
                "loss": "ebgan",
                "trainer": "alternating",
            },
            defaults={
                # width 32 (channels 128-64-32) reaches good MNIST digits in a few CPU minutes;
                # --set generator.width=64 --set discriminator.width=64 gives the paper's 256-128-64
                "generator": {"width": 32},
                "discriminator": {"width": 32},
                "trainer": {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999},
                # margin 0.3 (the loss default): FD 8.6 (2000 samples) on MNIST after 4000 steps, ~9 minutes
                # on one CPU thread (~470 images/s); margin 1.0 left flat grey images (FD 241)
                "train": {"batch_size": 64, "steps": 4000},
            },
        )
    )
