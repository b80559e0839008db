"""Conditional nets (Mirza & Osindero 2014): a label embedding joined to the noise and to D's input.

The fully connected pair is the paper's CGAN; the DCGAN pair (``conditional=True`` on the nets of
:mod:`ganzoo_plugins.nn.conv`) is the convolutional variant. A generator built here has
``latent.num_classes > 0``, so :meth:`ganzoo.model.GanModel.sample` honours requested labels.
"""

from __future__ import annotations

from ganzoo.errors import ConfigError
from ganzoo.spec import DataSpec, LatentSpec

from .conv import DCGANDiscriminator, DCGANGenerator
from .mlp import MLPDiscriminator, MLPGenerator


def _classes(data: DataSpec, what: str) -> None:
    if data.num_classes < 1:
        raise ConfigError(f"a conditional {what} needs class labels, but dataset {data.name!r} has none")


class ConditionalMLPGenerator(MLPGenerator):
    """G(z, y): [z | embedding(y)] -> widths with LeakyReLU -> data (tanh for images)."""

    def __init__(self, data: DataSpec, noise_dim: int = 100, hidden: str = "256,512,1024") -> None:
        _classes(data, "generator")
        super().__init__(data, noise_dim, hidden, embed_labels=True)


class ConditionalMLPDiscriminator(MLPDiscriminator):
    """D(x, y): [flat x | embedding(y)] -> widths with LeakyReLU and dropout -> one logit."""

    def __init__(
        self, data: DataSpec, latent: LatentSpec, hidden: str = "1024,512,256", dropout: float = 0.3
    ) -> None:
        _classes(data, "discriminator")
        super().__init__(data, latent, hidden, dropout, embed_labels=True)


def conditional_dcgan_generator(
    data: DataSpec, noise_dim: int = 100, width: int = 64, points_hidden: str = "256,256,256"
) -> DCGANGenerator:
    """The DCGAN generator with a label embedding joined to z."""
    return DCGANGenerator(data, noise_dim, width, points_hidden, conditional=True)


def conditional_dcgan_discriminator(
    data: DataSpec,
    latent: LatentSpec,
    width: int = 64,
    norm: str = "batch",
    points_hidden: str = "256,256,256",
) -> DCGANDiscriminator:
    """The DCGAN discriminator with the label embedding as an extra input channel (a feature for points)."""
    return DCGANDiscriminator(data, latent, width, norm, points_hidden, conditional=True)
