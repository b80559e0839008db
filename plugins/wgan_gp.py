"""WGAN-GP (Gulrajani et al. 2017): the Wasserstein loss with a gradient penalty on random
interpolates (norm per sample over all of C·H·W), a critic without batch norm, Adam and n_critic = 5."""

from __future__ import annotations

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import SCORE

PAPER = "Gulrajani et al. 2017 (arXiv 1704.00028)"


@hookimpl
def register_components(register):
    register(
        Component(
            "wgan-gp",
            "loss",
            "Wasserstein loss + gp_weight * E[(||grad D(x_hat)||_2 - 1)^2] on random real/fake "
            "interpolates, norm per sample; use a critic without batch norm",
            factory="ganzoo_plugins.nn.wgan:WassersteinGPLoss",
            needs={SCORE},
            paper=PAPER,
            params=(Param("gp_weight", float, 10.0, "gradient penalty weight lambda", min=0),),
        )
    )
    register(
        Component(
            "wgan-gp",
            "family",
            "WGAN with gradient penalty: DCGAN nets, critic without norm, Adam 1e-4 (0.5, 0.9), n_critic 5",
            paper=PAPER,
            parts={
                "generator": "dcgan",
                "discriminator": "dcgan",
                "loss": "wgan-gp",
                "trainer": "alternating",
            },
            defaults={
                "generator": {"width": 32},
                "discriminator": {"norm": "none", "width": 32},
                "trainer": {"lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.5, "beta2": 0.9, "d_steps": 5},
                "train": {"batch_size": 64, "steps": 3000},
            },
            # 2-D mixtures (ring8/grid25): a 2-D noise, 128-wide nets, the 2-D experiments' smaller
            # penalty (0.1) and larger batches, lr 5e-4 decayed linearly over 10k steps
            # (ring8 high-quality share 20% -> 76% at 5k constant lr -> 94% with the decay, 8/8 modes).
            data_defaults={
                "points": {
                    "generator": {"noise_dim": 2, "points_hidden": "128,128,128"},
                    "discriminator": {"points_hidden": "128,128,128"},
                    "loss": {"gp_weight": 0.1},
                    "trainer": {"lr_g": 5e-4, "lr_d": 5e-4},
                    "train": {"batch_size": 256, "steps": 10000, "lr_decay": "linear"},
                },
                # the grid's 25 tight modes need sharper folds of the 2-D noise: 256-wide nets and a longer
                # schedule (128-wide, 10k steps: 24/25 modes, 48% high quality; 256-wide, 10k: 25/25, 89%; 15k: 94%)
                "grid25": {
                    "generator": {"points_hidden": "256,256,256"},
                    "discriminator": {"points_hidden": "256,256,256"},
                    "train": {"steps": 15000},
                },
            },
        )
    )
