"""InfoGAN (Chen et al. 2016): a generator fed with latent codes, a Q head sharing the discriminator's
body, and the mutual-information loss that makes the codes recoverable from the images."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from ganzoo_plugins.nn.conv import DCGANDiscriminator, DCGANGenerator, norm1d
from ganzoo_plugins.nn.losses import BCELoss
from torch import nn

from ganzoo.data import Batch
from ganzoo.errors import ConfigError
from ganzoo.latent import Latent
from ganzoo.optim import unwrap
from ganzoo.spec import DataSpec, LatentSpec


class InfoGANGenerator(DCGANGenerator):
    """The DCGAN generator (an MLP for points) fed with ``z = [noise | one-hot code | continuous codes]``."""

    def __init__(
        self,
        data: DataSpec,
        noise_dim: int = 62,
        n_categorical: int = 10,
        n_continuous: int = 2,
        width: int = 64,
        points_hidden: str = "256,256,256",
        hidden: int = 0,
    ) -> None:
        if n_categorical < 2 and n_continuous < 1:
            raise ConfigError(
                "InfoGAN needs latent codes: set generator.n_categorical >= 2 or generator.n_continuous >= 1"
            )
        categorical = (n_categorical,) if n_categorical >= 2 else ()
        latent = LatentSpec(noise_dim, categorical=categorical, continuous=n_continuous)
        super().__init__(data, noise_dim, width, points_hidden, latent=latent, hidden=hidden)


class InfoGANDiscriminator(DCGANDiscriminator):
    """A DCGAN discriminator with a Q head on the same features: linear ``q_hidden``, norm, LeakyReLU, then
    ``"q_cat"`` logits (B, sum(categorical)) and ``"q_cont"`` means (B, n_cont) (and ``"q_cont_logstd"``
    with ``learn_std``)."""

    def __init__(
        self,
        data: DataSpec,
        latent: LatentSpec,
        width: int = 64,
        norm: str = "batch",
        points_hidden: str = "256,256,256",
        q_hidden: int = 128,
        learn_std: bool = False,
        hidden: int = 0,
    ) -> None:
        super().__init__(data, latent, width, norm, points_hidden, hidden=hidden)
        if not (latent.categorical or latent.continuous):
            raise ConfigError(
                "the InfoGAN discriminator needs a generator with latent codes (e.g. generator infogan)"
            )
        self.categorical = tuple(latent.categorical)
        self.n_continuous = latent.continuous
        self.learn_std = learn_std
        self.q_body = nn.Sequential(
            nn.Linear(self.feature_dim, q_hidden), norm1d(norm, q_hidden), nn.LeakyReLU(0.2, inplace=True)
        )
        self.q_cat = nn.Linear(q_hidden, sum(self.categorical)) if self.categorical else None
        self.q_cont = (
            nn.Linear(q_hidden, latent.continuous * (2 if learn_std else 1)) if latent.continuous else None
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        h = self.features(x, y)
        out = {"score": self.head(h).squeeze(1)}
        q = self.q_body(h)
        if self.q_cat is not None:
            out["q_cat"] = self.q_cat(q)
        if self.q_cont is not None:
            c = self.q_cont(q)
            if self.learn_std:
                out["q_cont"], out["q_cont_logstd"] = c[:, : self.n_continuous], c[:, self.n_continuous :]
            else:
                out["q_cont"] = c
        return out


def _cat_sizes(D, q_cat: torch.Tensor, n_codes: int) -> tuple[int, ...]:
    if n_codes == 1:
        return (q_cat.shape[1],)
    sizes = getattr(unwrap(D), "categorical", None) if isinstance(D, nn.Module) else None
    if sizes is None or len(sizes) != n_codes:
        raise ValueError(
            f"cannot split q_cat into {n_codes} codes: the discriminator has no `categorical` sizes"
        )
    return tuple(sizes)


class InfoGANLoss(BCELoss):
    """Non-saturating BCE plus ``lambda_mi * (CE(q_cat, code) + lambda_cont * NLL(q_cont, continuous))``,
    the mutual-information term, on the generated batch for both nets (Q learns in the D step).

    The continuous NLL is Gaussian: with learned ``q_cont_logstd`` when the discriminator gives one, else
    with unit variance (half the squared error), constants dropped.
    """

    def __init__(self, lambda_mi: float = 1.0, lambda_cont: float = 0.1) -> None:
        super().__init__(saturating=False)
        self.lambda_mi, self.lambda_cont = lambda_mi, lambda_cont

    def information(self, D, out: dict[str, torch.Tensor], latent: Latent) -> tuple[torch.Tensor, dict]:
        """The mutual-information loss of one discriminator output on generated data, with its parts."""
        loss = out["score"].new_zeros(())
        logs: dict[str, torch.Tensor] = {}
        if latent.cat is not None:
            sizes = _cat_sizes(D, out["q_cat"], latent.cat.shape[1])
            logits = torch.split(out["q_cat"], sizes, dim=1)
            ce = sum(F.cross_entropy(lg, latent.cat[:, i]) for i, lg in enumerate(logits))
            loss = loss + ce
            logs["q_cat"] = ce.detach()
        if latent.cont is not None:
            err = latent.cont - out["q_cont"]
            if "q_cont_logstd" in out:
                logstd = out["q_cont_logstd"]
                nll = (0.5 * (err * torch.exp(-logstd)).pow(2) + logstd).sum(1).mean()
            else:
                nll = 0.5 * err.pow(2).sum(1).mean()
            loss = loss + self.lambda_cont * nll
            logs["q_cont"] = nll.detach()
        return self.lambda_mi * loss, logs

    def discriminator(self, D, real: Batch, fake: torch.Tensor, latent: Latent):
        s_real = D(real.x, real.y)["score"]
        out = D(fake, latent.y)
        info, logs = self.information(D, out, latent)
        loss = self.d_terms(s_real, out["score"]) + info
        return loss, {"d_real": s_real.detach().mean(), "d_fake": out["score"].detach().mean(), **logs}

    def generator(self, D, fake: torch.Tensor, latent: Latent, real: Batch):
        out = D(fake, latent.y)
        info, logs = self.information(D, out, latent)
        return self.g_term(out["score"]) + info, {f"g_{k}": v for k, v in logs.items()}
