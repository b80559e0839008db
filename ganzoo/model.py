"""The trained object users hold: generator and discriminator with their data and latent layout.

Net contracts (what generator and discriminator plugins build):

* generator factory ``(data: DataSpec, **params) -> nn.Module`` with attribute ``latent: LatentSpec``
  and ``forward(z, y=None) -> x``, x of shape ``(B, *data.shape)`` in [-1, 1] for images;
* discriminator factory ``(data: DataSpec, latent: LatentSpec, **params) -> nn.Module`` with
  ``forward(x, y=None) -> dict[str, Tensor]`` holding ``"score"`` (B,) for score critics, and as
  provided ``"class_logits"`` (B, K), ``"q_cat"`` (B, sum(categorical)), ``"q_cont"`` (B, n_cont),
  ``"energy"`` (B,) and ``"code"`` (B, h) for autoencoder critics.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.config import RunSpec
from ganzoo.latent import sample_latent
from ganzoo.spec import DataSpec, LatentSpec


class GanModel(nn.Module):
    """A generator and its discriminator; ``config`` is the resolved run configuration."""

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        data: DataSpec,
        config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.data = data
        self.config = config or {}

    @property
    def latent(self) -> LatentSpec:
        return self.generator.latent

    @property
    def device(self) -> torch.device:
        return next(self.generator.parameters()).device

    def _latents(self, n, labels, codes, continuous, seed):
        gen = torch.Generator(device=self.device)
        if seed is None:
            gen.seed()  # fresh entropy without touching the global RNG
        else:
            gen.manual_seed(seed)
        return sample_latent(
            self.latent,
            n,
            device=self.device,
            generator=gen,
            labels=labels,
            codes=codes,
            continuous=continuous,
        )

    @torch.no_grad()
    def sample(
        self,
        n: int,
        labels: Any = None,
        codes: Any = None,
        seed: int | None = None,
        *,
        continuous: Any = None,
        batch_size: int = 1000,
    ) -> torch.Tensor:
        """``n`` samples on the CPU: images in [-1, 1] (N, C, H, W) or points (N, D).

        ``labels`` picks classes of a conditional model; ``codes`` (N, n_cat) and ``continuous``
        (N, n_cont) fix InfoGAN codes. The same ``seed`` gives the same samples.
        """
        if n < 1:
            raise ValueError("n must be at least 1")
        if labels is not None and not self.latent.conditional:
            raise ValueError("this model is not conditional: it takes no labels")
        if (codes is not None or continuous is not None) and not (
            self.latent.categorical or self.latent.continuous
        ):
            raise ValueError("this model has no latent codes")
        lat = self._latents(n, labels, codes, continuous, seed)
        was_training = self.generator.training
        self.generator.eval()
        try:
            out = [
                self.generator(
                    lat.z[i : i + batch_size], None if lat.y is None else lat.y[i : i + batch_size]
                )
                for i in range(0, n, batch_size)
            ]
        finally:
            self.generator.train(was_training)
        return torch.cat(out).float().cpu()

    @property
    def has_levels(self) -> bool:
        """Whether the generator can show its intermediate levels (LAPGAN's pyramid)."""
        return hasattr(self.generator, "level_rows")

    @torch.no_grad()
    def sample_levels(self, n: int, labels: Any = None, seed: int | None = None) -> torch.Tensor:
        """A per-level sheet of ``n`` columns for generators with ``level_rows(z, y)``: each row enlarged
        (nearest) to the full image size, stacked row after row, on the CPU; save with ``nrow=n``."""
        if not self.has_levels:
            raise ValueError("this model's generator has no levels to show")
        lat = self._latents(n, labels, None, None, seed)
        was = self.generator.training
        self.generator.eval()
        try:
            rows = self.generator.level_rows(lat.z, lat.y)
        finally:
            self.generator.train(was)
        size = self.data.shape[-2:]
        return torch.cat([F.interpolate(r.float(), size=size, mode="nearest") for r in rows]).cpu()

    @torch.no_grad()
    def predict_codes(self, x: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
        """The first categorical code the discriminator's Q head reads in data ``x`` (in [-1, 1]), as
        int64 values on the CPU: InfoGAN's unsupervised classifier."""
        k = self.latent.categorical[0] if self.latent.categorical else 0
        was_training = self.discriminator.training
        self.discriminator.eval()
        out = []
        try:
            for i in range(0, len(x), batch_size):
                d = self.discriminator(x[i : i + batch_size].to(self.device).float())
                if not k or not isinstance(d, dict) or "q_cat" not in d:
                    raise ValueError("this model's discriminator has no Q head for a categorical code")
                out.append(d["q_cat"][:, :k].argmax(1).cpu())
        finally:
            self.discriminator.train(was_training)
        return torch.cat(out)

    @torch.no_grad()
    def score(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """The discriminator's realness per sample (higher is more real; minus the energy for EBGAN)."""
        was_training = self.discriminator.training
        self.discriminator.eval()
        try:
            out = self.discriminator(x.to(self.device), None if y is None else y.to(self.device))
        finally:
            self.discriminator.train(was_training)
        s = out["score"] if "score" in out else -out["energy"]
        return s.float().reshape(-1).cpu()


def build_model(spec: RunSpec, data: DataSpec) -> GanModel:
    """Build the nets of ``spec`` for data shaped like ``data``."""
    g = spec.parts["generator"]
    d = spec.parts["discriminator"]
    generator = g.component.load()(data, **g.params)
    discriminator = d.component.load()(data, generator.latent, **d.params)
    return GanModel(generator, discriminator, data)


def build_loss(spec: RunSpec) -> Any:
    ch = spec.parts["loss"]
    return ch.component.load()(**ch.params)


def build_trainer(
    spec: RunSpec, generator: nn.Module, discriminator: nn.Module, loss: Any, latent: LatentSpec
) -> Any:
    """Trainer factory contract: ``(generator, discriminator, loss, latent, **params)``; the result has
    ``step(next_batch, next_latent) -> dict[str, Tensor]``, ``state_dict()`` and ``load_state_dict()``, and
    optionally ``optimizers()`` (for ``train.lr_decay``)."""
    ch = spec.parts["trainer"]
    return ch.component.load()(generator, discriminator, loss, latent, **ch.params)
