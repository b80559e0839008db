"""Registration of the example plugin's components.

This module is what the entry point names, so ganzoo imports it whenever it lists components: it
imports no torch. The implementations live in :mod:`ganzoo_example_plugin.impl`, referenced by
``"module:attr"`` strings and imported only when a component is built.
"""

from __future__ import annotations

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import LABELS, POINTS, SCORE

_IMPL = "ganzoo_example_plugin.impl"


@hookimpl
def register_components(register):
    register(
        Component(
            "rsgan",
            "loss",
            "relativistic standard GAN loss: how much more real the real data looks than the fake",
            factory=f"{_IMPL}:RelativisticLoss",
            needs={SCORE},
            paper="Jolicoeur-Martineau 2018 (arXiv 1807.00734)",
            params=(
                Param(
                    "average",
                    bool,
                    False,
                    "relativistic average GAN (RaSGAN): compare with the other side's mean score",
                ),
            ),
        )
    )
    register(
        Component(
            "spiral",
            "dataset",
            "points on interleaved 2-D spiral arms with Gaussian noise (label = arm)",
            factory=f"{_IMPL}:Spiral",
            provides={POINTS, LABELS},
            params=(
                Param("arms", int, 2, "number of spiral arms", min=1, max=16),
                Param("turns", float, 1.5, "turns of each arm around the centre", min=0.1),
                Param("radius", float, 2.0, "radius at the outer end of each arm", min=0),
                Param("noise", float, 0.05, "standard deviation of the Gaussian noise", min=0),
                Param("n", int, 20_000, "points drawn once (with `seed`) and held in memory", min=1),
                Param("seed", int, 0, "seed of the drawn points", min=0),
            ),
        )
    )
