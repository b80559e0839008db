"""EBGAN (Zhao et al. 2016): an autoencoder discriminator whose energy is the reconstruction error,
the margin loss and the pulling-away term (EBGAN-PT)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from ganzoo_plugins.nn.conv import ConvTrunk, norm1d, norm2d, start_size
from ganzoo_plugins.nn.mlp import parse_widths
from torch import nn

from ganzoo.data import Batch
from ganzoo.latent import Latent
from ganzoo.spec import DataSpec, LatentSpec


class AutoencoderDiscriminator(nn.Module):
    """Encoder -> code (B, code_dim) -> decoder; energy = per-sample mean squared reconstruction error.

    The encoder is the DCGAN :class:`~ganzoo_plugins.nn.conv.ConvTrunk` (two stride-2 convs for images,
    an MLP for points) and a linear code; the decoder mirrors it (transposed convs and tanh for images,
    an MLP with linear output for points).
    """

    def __init__(
        self,
        data: DataSpec,
        latent: LatentSpec,
        code_dim: int = 64,
        width: int = 64,
        norm: str = "batch",
        points_hidden: str = "128,128",
    ) -> None:
        super().__init__()
        trunk = ConvTrunk(data, width, norm, points_hidden)
        self.encoder = nn.Sequential(trunk, nn.Linear(trunk.out_features, code_dim))
        if data.is_image:
            grid = (2 * width, *start_size(data))
            self.decoder = nn.Sequential(
                nn.Linear(code_dim, trunk.out_features),
                norm1d(norm, trunk.out_features),
                nn.ReLU(inplace=True),
                nn.Unflatten(1, grid),
                nn.ConvTranspose2d(2 * width, width, 4, 2, 1),
                norm2d(norm, width),
                nn.ReLU(inplace=True),
                nn.ConvTranspose2d(width, data.shape[0], 4, 2, 1),
                nn.Tanh(),
            )
        else:
            layers: list[nn.Module] = []
            w_in = code_dim
            for w in parse_widths(points_hidden)[::-1]:
                layers += [nn.Linear(w_in, w), nn.LeakyReLU(0.2, inplace=True)]
                w_in = w
            layers += [nn.Linear(w_in, data.numel), nn.Unflatten(1, tuple(data.shape))]
            self.decoder = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        code = self.encoder(x)
        energy = (self.decoder(code) - x).pow(2).flatten(1).mean(1)
        return {"energy": energy, "code": code}


def pulling_away(codes: torch.Tensor) -> torch.Tensor:
    """``1/(N(N-1)) * sum_{i != j} cos(s_i, s_j)^2`` over a batch of codes (N, h); 0 for N < 2."""
    n = codes.shape[0]
    if n < 2:
        return codes.new_zeros(())
    s = F.normalize(codes.flatten(1), dim=1)
    cos2 = (s @ s.t()).pow(2)
    return (cos2.sum() - cos2.diagonal().sum()) / (n * (n - 1))


class EBGANLoss:
    """D: ``E(x) + max(0, m - E(G(z)))``; G: ``E(G(z)) + pt_weight * PT(codes of G(z))``."""

    def __init__(self, margin: float = 0.3, pt_weight: float = 0.1) -> None:
        self.margin, self.pt_weight = margin, pt_weight

    def discriminator(self, D, real: Batch, fake: torch.Tensor, latent: Latent):
        e_real = D(real.x, real.y)["energy"]
        e_fake = D(fake, latent.y)["energy"]
        loss = e_real.mean() + F.relu(self.margin - e_fake).mean()
        return loss, {"energy_real": e_real.detach().mean(), "energy_fake": e_fake.detach().mean()}

    def generator(self, D, fake: torch.Tensor, latent: Latent, real: Batch):
        out = D(fake, latent.y)
        loss = out["energy"].mean()
        logs = {}
        if self.pt_weight > 0:
            pt = pulling_away(out["code"])
            loss = loss + self.pt_weight * pt
            logs["pt"] = pt.detach()
        return loss, logs
