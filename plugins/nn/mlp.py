"""Fully connected nets (Goodfellow et al. 2014): for flattened images and for 2-D points."""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.spec import DataSpec, LatentSpec


def parse_widths(hidden: str) -> list[int]:
    """``"256,512,1024"`` -> ``[256, 512, 1024]``."""
    try:
        widths = [int(w) for w in hidden.split(",") if w.strip()]
    except ValueError:
        raise ValueError(f"hidden must be comma-separated integers, got {hidden!r}") from None
    if not widths or min(widths) < 1:
        raise ValueError(f"hidden must list positive widths, got {hidden!r}")
    return widths


class MLPGenerator(nn.Module):
    """z (and an optional label embedding) -> widths with LeakyReLU -> data; tanh for images."""

    def __init__(
        self,
        data: DataSpec,
        noise_dim: int = 100,
        hidden: str = "256,512,1024",
        latent: LatentSpec | None = None,
        embed_labels: bool = False,
    ) -> None:
        super().__init__()
        self.out_shape = data.shape
        self.latent = latent or LatentSpec(noise_dim, data.num_classes if embed_labels else 0)
        self.embed = nn.Embedding(self.latent.num_classes, self.latent.num_classes) if embed_labels else None
        layers: list[nn.Module] = []
        width = self.latent.dim + (self.latent.num_classes if embed_labels else 0)
        for w in parse_widths(hidden):
            layers += [nn.Linear(width, w), nn.LeakyReLU(0.2, inplace=True)]
            width = w
        layers.append(nn.Linear(width, data.numel))
        if data.is_image:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(y)], 1)
        return self.net(z).view(z.shape[0], *self.out_shape)


class MLPBody(nn.Module):
    """Flatten -> widths with LeakyReLU and dropout; ``out_features`` is the last width."""

    def __init__(self, in_features: int, hidden: str, dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for w in parse_widths(hidden):
            layers += [nn.Linear(width, w), nn.LeakyReLU(0.2, inplace=True)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = w
        self.net = nn.Sequential(*layers)
        self.out_features = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MLPDiscriminator(nn.Module):
    """x (and an optional label embedding) -> widths -> one real/fake score (a logit, no sigmoid)."""

    def __init__(
        self,
        data: DataSpec,
        latent: LatentSpec,
        hidden: str = "1024,512,256",
        dropout: float = 0.3,
        embed_labels: bool = False,
    ) -> None:
        super().__init__()
        k = data.num_classes if embed_labels else 0
        self.embed = nn.Embedding(k, k) if embed_labels else None
        self.body = MLPBody(data.numel + k, hidden, dropout)
        self.head = nn.Linear(self.body.out_features, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        h = x.flatten(1)
        if self.embed is not None:
            h = torch.cat([h, self.embed(y)], 1)
        return {"score": self.head(self.body(h)).squeeze(1)}
