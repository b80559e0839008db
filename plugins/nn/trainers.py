"""Trainers own the order of updates within one step; they never write files."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ganzoo.data import Batch
from ganzoo.latent import Latent
from ganzoo.optim import make_optimizer, unwrap
from ganzoo.spec import LatentSpec


class AlternatingTrainer:
    """``d_steps`` discriminator updates on fresh real batches, then one generator update.

    ``clip > 0`` clamps every discriminator weight to [-clip, clip] after each update (WGAN).
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        loss,
        latent: LatentSpec,
        *,
        optimizer: str = "adam",
        lr_g: float = 2e-4,
        lr_d: float = 2e-4,
        beta1: float = 0.5,
        beta2: float = 0.999,
        d_steps: int = 1,
        clip: float = 0.0,
    ) -> None:
        self.G, self.D, self.loss, self.latent = generator, discriminator, loss, latent
        self.d_steps, self.clip = d_steps, clip
        self.opt_g = make_optimizer(optimizer, generator.parameters(), lr_g, (beta1, beta2))
        self.opt_d = make_optimizer(optimizer, discriminator.parameters(), lr_d, (beta1, beta2))

    def step(
        self, next_batch: Callable[[], Batch], next_latent: Callable[[int], Latent]
    ) -> dict[str, torch.Tensor]:
        G, D = self.G, self.D
        for _ in range(self.d_steps):
            real = next_batch()
            lat = next_latent(real.x.shape[0])
            with torch.no_grad():
                fake = unwrap(G)(lat.z, lat.y)
            d_loss, d_logs = self.loss.discriminator(D, real, fake, lat)
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
            if self.clip > 0:
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-self.clip, self.clip)
        lat = next_latent(real.x.shape[0])
        D_plain = unwrap(D)
        D_plain.requires_grad_(False)  # the generator update needs no discriminator gradients
        try:
            g_loss, g_logs = self.loss.generator(D_plain, G(lat.z, lat.y), lat, real)
            self.opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            self.opt_g.step()
        finally:
            D_plain.requires_grad_(True)
        logs = {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}
        logs.update({k: v.detach() for k, v in {**d_logs, **g_logs}.items()})
        return logs

    def optimizers(self) -> list[torch.optim.Optimizer]:
        """Both optimisers, for the engine's learning-rate schedule."""
        return [self.opt_g, self.opt_d]

    def state_dict(self) -> dict:
        return {"opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
