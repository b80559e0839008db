"""DCGAN nets (Radford et al. 2015) that adapt to the data shape, with MLP fallbacks for points.

Images C×H×W (H and W divisible by 4) use transposed convolutions from an (H/4)×(W/4) start
(7×7 for MNIST, 8×8 for CIFAR-10); point data (``data.kind == "points"``) uses fully connected
nets of ``points_hidden`` widths instead, so every family built on these nets also runs on 2-D data.

Reusable pieces for other families:

* :class:`DCGANGenerator` takes any :class:`~ganzoo.spec.LatentSpec` (its input is ``latent.dim``
  wide, plus a label embedding when ``latent.num_classes > 0``);
* :class:`ConvTrunk` is the discriminator body (strided convs -> flat features, or an MLP);
* :class:`DCGANDiscriminator` exposes ``features(x, y) -> (B, feature_dim)`` and a ``"score"`` head;
  subclasses add heads on the same features (see :class:`ACGANDiscriminator`).
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.errors import ConfigError
from ganzoo.spec import DataSpec, LatentSpec

from .mlp import parse_widths

NORMS = ("batch", "layer", "instance", "none")


def start_size(data: DataSpec) -> tuple[int, int]:
    """The (H/4, W/4) grid a DCGAN generator starts from; refuses shapes it cannot reach."""
    if len(data.shape) != 3:
        raise ConfigError(f"conv nets need images shaped (C, H, W); {data.name!r} has shape {data.shape}")
    _, h, w = data.shape
    if h % 4 or w % 4 or h < 4 or w < 4:
        raise ConfigError(
            f"conv nets need image sides divisible by 4; {data.name!r} is {h}x{w} "
            "(resize the images, e.g. --set dataset.size=32 for a folder)"
        )
    return h // 4, w // 4


def norm2d(kind: str, channels: int) -> nn.Module:
    """A 2-D normalisation layer: ``batch``, ``layer`` (over C, H, W), ``instance`` or ``none``."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "instance":
        return nn.GroupNorm(channels, channels)
    if kind == "none":
        return nn.Identity()
    raise ConfigError(f"unknown norm {kind!r}; use one of {', '.join(NORMS)}")


def norm1d(kind: str, features: int) -> nn.Module:
    """The fully connected counterpart of :func:`norm2d` (``instance`` acts like ``layer``)."""
    if kind == "batch":
        return nn.BatchNorm1d(features)
    if kind in ("layer", "instance"):
        return nn.LayerNorm(features)
    if kind == "none":
        return nn.Identity()
    raise ConfigError(f"unknown norm {kind!r}; use one of {', '.join(NORMS)}")


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: conv weights N(0, 0.02), norm scales N(1, 0.02), zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def _need_classes(data: DataSpec, what: str) -> int:
    if data.num_classes < 1:
        raise ConfigError(f"{what} needs class labels, but dataset {data.name!r} has none")
    return data.num_classes


class LabelEmbedding(nn.Module):
    """Integer labels -> a learned vector (points, generator input) or an extra image channel."""

    def __init__(self, num_classes: int, data: DataSpec | None = None) -> None:
        super().__init__()
        self.map_shape = (1, *data.shape[1:]) if data is not None and data.is_image else None
        width = data.shape[1] * data.shape[2] if self.map_shape else num_classes
        self.embed = nn.Embedding(num_classes, width)

    @property
    def channels(self) -> int:
        """Extra input channels (images) or features (vectors) the embedding adds."""
        return 1 if self.map_shape else self.embed.embedding_dim

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        e = self.embed(y)
        return e.view(y.shape[0], *self.map_shape) if self.map_shape else e


class DCGANGenerator(nn.Module):
    """z -> linear to 4w·(H/4)·(W/4), BN, ReLU -> ConvT 4w→2w (k3 s1 p1), BN, ReLU -> ConvT 2w→w
    (k4 s2 p1), BN, ReLU -> ConvT w→C (k4 s2 p1), tanh. ``width`` w = 64 is the reference net.
    ``hidden`` > 0 puts a fully connected layer (linear, BN, ReLU) of that width before the projection, as
    in the InfoGAN paper's MNIST generator (images only).

    With ``conditional`` (or a ``latent`` with ``num_classes``) a label embedding is joined to z.
    Points get an MLP of ``points_hidden`` widths (ReLU, linear output) instead.
    """

    def __init__(
        self,
        data: DataSpec,
        noise_dim: int = 100,
        width: int = 64,
        points_hidden: str = "256,256,256",
        conditional: bool = False,
        latent: LatentSpec | None = None,
        hidden: int = 0,
    ) -> None:
        super().__init__()
        if latent is None:
            k = _need_classes(data, "a conditional generator") if conditional else 0
            latent = LatentSpec(noise_dim, k)
        self.latent = latent
        self.out_shape = tuple(data.shape)
        self.embed = LabelEmbedding(latent.num_classes) if latent.num_classes else None
        in_features = latent.dim + (self.embed.channels if self.embed else 0)
        if data.is_image:
            c = data.shape[0]
            self.start = start_size(data)
            fc: list[nn.Module] = []
            if hidden:
                fc = [
                    nn.Linear(in_features, hidden, bias=False),
                    nn.BatchNorm1d(hidden),
                    nn.ReLU(inplace=True),
                ]
                in_features = hidden
            self.net = nn.Sequential(
                *fc,
                nn.Linear(in_features, 4 * width * self.start[0] * self.start[1], bias=False),
                nn.BatchNorm1d(4 * width * self.start[0] * self.start[1]),
                nn.ReLU(inplace=True),
                nn.Unflatten(1, (4 * width, *self.start)),
                nn.ConvTranspose2d(4 * width, 2 * width, 3, 1, 1, bias=False),
                nn.BatchNorm2d(2 * width),
                nn.ReLU(inplace=True),
                nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.ConvTranspose2d(width, c, 4, 2, 1),
                nn.Tanh(),
            )
        else:
            layers: list[nn.Module] = []
            w_in = in_features
            for w in parse_widths(points_hidden):
                layers += [nn.Linear(w_in, w), nn.ReLU(inplace=True)]
                w_in = w
            layers.append(nn.Linear(w_in, data.numel))
            self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            if y is None:
                raise ValueError("this generator is conditional: pass labels y")
            z = torch.cat([z, self.embed(y).to(z.dtype)], 1)
        return self.net(z).view(z.shape[0], *self.out_shape)


class ConvTrunk(nn.Module):
    """The discriminator body: ``x -> (B, out_features)``.

    Images: conv C+extra→w (k4 s2 p1), LeakyReLU 0.2 (no norm on the first layer), conv w→2w
    (k4 s2 p1), norm, LeakyReLU 0.2, flatten; strided convs, no pooling. Points: an MLP of
    ``points_hidden`` widths with LeakyReLU 0.2 (and the same norm choice).
    ``extra`` input channels (images) or features (points) carry e.g. a label embedding.
    """

    def __init__(
        self,
        data: DataSpec,
        width: int = 64,
        norm: str = "batch",
        points_hidden: str = "256,256,256",
        extra: int = 0,
    ) -> None:
        super().__init__()
        if data.is_image:
            h, w = start_size(data)
            self.net = nn.Sequential(
                nn.Conv2d(data.shape[0] + extra, width, 4, 2, 1),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(width, 2 * width, 4, 2, 1, bias=norm == "none"),
                norm2d(norm, 2 * width),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Flatten(),
            )
            self.out_features = 2 * width * h * w
        else:
            layers: list[nn.Module] = [nn.Flatten()]
            w_in = data.numel + extra
            for i, w in enumerate(parse_widths(points_hidden)):
                layers.append(nn.Linear(w_in, w))
                if i > 0:
                    layers.append(norm1d(norm, w))
                layers.append(nn.LeakyReLU(0.2, inplace=True))
                w_in = w
            self.net = nn.Sequential(*layers)
            self.out_features = w_in
        dcgan_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class DCGANDiscriminator(nn.Module):
    """:class:`ConvTrunk` features -> linear -> ``"score"`` (a logit / critic value, no sigmoid).

    ``conditional`` joins a label embedding to the input (an extra channel for images). ``hidden`` > 0 adds a
    fully connected layer (linear, norm, LeakyReLU 0.2) of that width on top of the trunk, shared by every
    head, as in the InfoGAN paper's MNIST discriminator.
    """

    def __init__(
        self,
        data: DataSpec,
        latent: LatentSpec,
        width: int = 64,
        norm: str = "batch",
        points_hidden: str = "256,256,256",
        conditional: bool = False,
        hidden: int = 0,
    ) -> None:
        super().__init__()
        k = _need_classes(data, "a conditional discriminator") if conditional else 0
        self.embed = LabelEmbedding(k, data) if conditional else None
        self.body = ConvTrunk(data, width, norm, points_hidden, self.embed.channels if self.embed else 0)
        self.feature_dim = self.body.out_features
        if hidden:
            self.body = nn.Sequential(
                self.body,
                nn.Linear(self.feature_dim, hidden, bias=norm == "none"),
                norm1d(norm, hidden),
                nn.LeakyReLU(0.2, inplace=True),
            )
            self.feature_dim = hidden
        self.head = nn.Linear(self.feature_dim, 1)

    def features(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """The flat body features ``(B, feature_dim)`` that every head reads."""
        if self.embed is not None:
            if y is None:
                raise ValueError("this discriminator is conditional: pass labels y")
            x = torch.cat([x, self.embed(y).to(x.dtype)], 1)
        return self.body(x)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        return {"score": self.head(self.features(x, y)).squeeze(1)}


class ACGANDiscriminator(DCGANDiscriminator):
    """A DCGAN discriminator with a second head on the same features: ``"class_logits"`` (B, K)."""

    def __init__(
        self,
        data: DataSpec,
        latent: LatentSpec,
        width: int = 64,
        norm: str = "batch",
        points_hidden: str = "256,256,256",
    ) -> None:
        super().__init__(data, latent, width, norm, points_hidden)
        self.class_head = nn.Linear(self.feature_dim, _need_classes(data, "an ACGAN discriminator"))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        h = self.features(x)
        return {"score": self.head(h).squeeze(1), "class_logits": self.class_head(h)}
