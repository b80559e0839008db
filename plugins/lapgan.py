"""LAPGAN (Denton et al. 2015): a Laplacian pyramid of GANs trained level by level on the real pyramid."""

from __future__ import annotations

from ganzoo_plugins.core import TRAINER_PARAMS

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import IMAGES, PYRAMID, PYRAMID_TRAINER, SCORE

PAPER = "Denton et al. 2015 (arXiv 1506.05751)"
_IMPL = "ganzoo_plugins.nn.lapgan"
_LEVELS = Param("levels", int, 3, "pyramid levels (image sides must divide by 2^(levels-1))", min=2)


@hookimpl
def register_components(register):
    register(
        Component(
            "lapgan",
            "generator",
            "Laplacian pyramid generator: an MLP for the coarsest image, conv nets for each residual band",
            factory=f"{_IMPL}:LapganGenerator",
            provides={PYRAMID},
            needs={IMAGES, PYRAMID_TRAINER},
            paper=PAPER,
            params=(
                Param("noise_dim", int, 100, "noise of the coarsest level", min=1),
                Param("level_noise_dim", int, 32, "noise of each finer level (one extra input plane)", min=1),
                _LEVELS,
                Param("hidden", str, "256,512", "comma-separated MLP widths of the coarsest level"),
                Param("width", int, 16, "conv channels of the finer levels", min=1),
            ),
        )
    )
    register(
        Component(
            "lapgan",
            "discriminator",
            "one discriminator per pyramid level; finer levels judge a residual given the coarser image",
            factory=f"{_IMPL}:LapganDiscriminator",
            provides={SCORE, PYRAMID},
            needs={IMAGES, PYRAMID_TRAINER},
            paper=PAPER,
            params=(
                _LEVELS,
                Param("hidden", str, "256,256", "comma-separated MLP widths of the coarsest level"),
                Param("dropout", float, 0.3, "dropout in the coarsest level's MLP", min=0, max=1),
                Param("width", int, 16, "conv channels of the finer levels", min=1),
                Param(
                    "norm",
                    str,
                    "none",
                    "normalisation of the finer levels (batch norm lets D tell real and fake batches apart)",
                    choices=("batch", "layer", "instance", "none"),
                ),
            ),
        )
    )
    register(
        Component(
            "lapgan",
            "trainer",
            "trains every pyramid level on the real image pyramid (any score loss per level)",
            factory=f"{_IMPL}:LapganTrainer",
            provides={PYRAMID_TRAINER},
            needs={PYRAMID},
            paper=PAPER,
            params=TRAINER_PARAMS,
        )
    )
    register(
        Component(
            "lapgan",
            "family",
            "Laplacian pyramid GAN: coarse-to-fine levels, each a GAN on the real pyramid",
            paper=PAPER,
            parts={"generator": "lapgan", "discriminator": "lapgan", "loss": "bce", "trainer": "lapgan"},
            defaults={
                "trainer": {"lr_g": 5e-4, "lr_d": 5e-4, "beta1": 0.5, "beta2": 0.999},
                "train": {"batch_size": 64, "steps": 5000},
            },
        )
    )
