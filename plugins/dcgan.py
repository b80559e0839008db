"""DCGAN (Radford et al. 2015): transposed-conv generator, strided-conv discriminator, BCE loss.

The nets adapt to the data: images C×H×W with H, W divisible by 4 (7×7 start for MNIST, 8×8 for
CIFAR-10); 2-D points get MLP nets instead, so the DCGAN-based families also run on ``ring8``.
:data:`G_PARAMS` and :data:`D_PARAMS` are shared with the families that reuse these nets.
"""

from __future__ import annotations

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import SCORE

PAPER = "Radford et al. 2015 (arXiv 1511.06434)"
CONV = "ganzoo_plugins.nn.conv"
POINTS_HIDDEN = Param(
    "points_hidden", str, "256,256,256", "hidden widths of the MLP used instead for point data"
)
G_PARAMS = (
    Param("noise_dim", int, 100, "size of the Gaussian noise vector", min=1),
    Param("width", int, 64, "channels of the last hidden layer (the first has 4x)", min=1),
    POINTS_HIDDEN,
)
D_PARAMS = (
    Param("width", int, 64, "channels of the first conv layer (the second has 2x)", min=1),
    Param(
        "norm",
        str,
        "batch",
        "normalisation after every conv but the first",
        choices=("batch", "layer", "instance", "none"),
    ),
    POINTS_HIDDEN,
)
G_DESCRIPTION = (
    "linear z -> 4w x H/4 x W/4, BN, then ConvT 4w->2w (k3 s1), 2w->w and w->C (k4 s2) with BN, ReLU, "
    "tanh out; an MLP for 2-D points"
)
D_DESCRIPTION = (
    "strided convs C->w->2w (k4 s2), LeakyReLU 0.2, norm except on the first layer, no pooling, "
    "linear -> one score; an MLP for 2-D points"
)


@hookimpl
def register_components(register):
    register(
        Component(
            "dcgan",
            "generator",
            G_DESCRIPTION,
            factory=f"{CONV}:DCGANGenerator",
            paper=PAPER,
            params=G_PARAMS,
        )
    )
    register(
        Component(
            "dcgan",
            "discriminator",
            D_DESCRIPTION,
            factory=f"{CONV}:DCGANDiscriminator",
            provides={SCORE},
            paper=PAPER,
            params=D_PARAMS,
        )
    )
    register(
        Component(
            "dcgan",
            "family",
            "deep convolutional GAN: DCGAN nets, non-saturating BCE, Adam 2e-4 (0.5, 0.999)",
            paper=PAPER,
            parts={"generator": "dcgan", "discriminator": "dcgan", "loss": "bce", "trainer": "alternating"},
            defaults={
                # width 32 (channels 128-64-32) reaches good MNIST digits in a few CPU minutes;
                # --set generator.width=64 --set discriminator.width=64 gives the paper's 256-128-64
                "generator": {"width": 32},
                "discriminator": {"width": 32},
                "trainer": {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "d_steps": 1},
                "train": {"batch_size": 64, "steps": 8000},
            },
        )
    )
