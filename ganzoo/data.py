"""In-memory datasets held as one tensor, and the batcher that feeds the engine.

A dataset plugin's factory is ``load(split, data_dir, download, **params) -> TensorData``: images as
one uint8 tensor (N, C, H, W), points as float32 (N, D), labels as int64 (N,) or None. Batches are
normalised in one vectorised step on the device; no per-sample transforms, no DataLoader workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import torch

from ganzoo.errors import DataError
from ganzoo.spec import DataSpec


class Batch(NamedTuple):
    """Real data for one update: ``x`` normalised (images in [-1, 1]) and labels or None."""

    x: torch.Tensor
    y: torch.Tensor | None


@dataclass
class TensorData:
    spec: DataSpec
    x: torch.Tensor
    y: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if self.spec.is_image and self.x.dtype != torch.uint8:
            raise TypeError("image data must be a uint8 tensor (N, C, H, W)")
        if tuple(self.x.shape[1:]) != tuple(self.spec.shape):
            raise ValueError(f"data shape {tuple(self.x.shape[1:])} does not match spec {self.spec.shape}")
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError("labels and data differ in length")

    def __len__(self) -> int:
        return len(self.x)

    def to(self, device: torch.device | str) -> TensorData:
        y = None if self.y is None else self.y.to(device)
        return TensorData(self.spec, self.x.to(device), y)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """uint8 images to float in [-1, 1]; points pass through as float32."""
        if self.spec.is_image:
            return x.float().div_(127.5).sub_(1.0)
        return x.float()


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] to uint8 in [0, 255]."""
    return images.detach().float().add(1).mul(127.5).round_().clamp_(0, 255).to(torch.uint8)


class Batcher:
    """Endless shuffled batches of a :class:`TensorData` on one device, resumable bit for bit.

    With ``world_size > 1`` each rank reads its own shard of every epoch's permutation.
    """

    def __init__(
        self, data: TensorData, batch_size: int, *, seed: int, rank: int = 0, world_size: int = 1
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.data = data
        self.batch_size = batch_size
        self.rank, self.world_size = rank, world_size
        self.gen = torch.Generator().manual_seed(seed)
        self.epoch = 0
        self.pos = 0
        self.images_seen = 0
        self._perm = self._new_perm()

    def _new_perm(self) -> torch.Tensor:
        perm = torch.randperm(len(self.data), generator=self.gen)
        if self.world_size > 1:
            perm = perm[self.rank :: self.world_size]
        return perm.to(self.data.x.device)

    @property
    def epochs_done(self) -> float:
        return self.epoch + self.pos / max(1, len(self._perm))

    def __call__(self) -> Batch:
        if self.pos + self.batch_size > len(self._perm):
            if self.batch_size > len(self._perm):
                raise DataError(
                    f"batch size {self.batch_size} is larger than the {len(self._perm)} examples "
                    "available per process; lower --batch-size"
                )
            self.epoch += 1
            self.pos = 0
            self._perm = self._new_perm()
        idx = self._perm[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        self.images_seen += self.batch_size
        x = self.data.normalise(self.data.x.index_select(0, idx))
        y = None if self.data.y is None else self.data.y.index_select(0, idx)
        return Batch(x, y)

    def state_dict(self) -> dict[str, Any]:
        return {
            "gen": self.gen.get_state(),
            "perm": self._perm.cpu(),
            "epoch": self.epoch,
            "pos": self.pos,
            "images_seen": self.images_seen,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.gen.set_state(state["gen"])
        self._perm = state["perm"].to(self.data.x.device)
        self.epoch, self.pos, self.images_seen = (
            int(state["epoch"]),
            int(state["pos"]),
            int(state["images_seen"]),
        )
