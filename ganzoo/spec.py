"""Shapes that nets adapt to: the data and the latent layout. Torch-free, recorded in config.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DataSpec:
    """What a dataset looks like: ``kind`` is ``"images"`` (shape C, H, W) or ``"points"`` (shape D,)."""

    name: str
    kind: str
    shape: tuple[int, ...]
    classes: tuple[str, ...] = ()

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def is_image(self) -> bool:
        return self.kind == "images"

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "shape": list(self.shape),
            "classes": list(self.classes),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DataSpec:
        return cls(d["name"], d["kind"], tuple(d["shape"]), tuple(d.get("classes", ())))


@dataclass(frozen=True)
class LatentSpec:
    """The generator's input: ``noise_dim`` Gaussian noise, then InfoGAN codes, plus an optional label.

    The vector ``z`` fed to a generator is ``[noise | one-hot categorical codes | continuous codes]``;
    a conditional generator also receives integer labels in ``[0, num_classes)``.
    """

    noise_dim: int
    num_classes: int = 0
    categorical: tuple[int, ...] = field(default_factory=tuple)
    continuous: int = 0

    @property
    def dim(self) -> int:
        return self.noise_dim + sum(self.categorical) + self.continuous

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "noise_dim": self.noise_dim,
            "num_classes": self.num_classes,
            "categorical": list(self.categorical),
            "continuous": self.continuous,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LatentSpec:
        return cls(
            d["noise_dim"], d.get("num_classes", 0), tuple(d.get("categorical", ())), d.get("continuous", 0)
        )
