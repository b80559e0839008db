"""Dataset implementations: everything is loaded once into one tensor."""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

from ganzoo.data import TensorData
from ganzoo.errors import DataError
from ganzoo.spec import DataSpec

DIGITS = tuple(str(i) for i in range(10))
FASHION = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def default_data_dir() -> Path:
    """``$GANZOO_DATA`` or ``~/.cache/ganzoo/data``."""
    return Path(os.environ.get("GANZOO_DATA") or Path.home() / ".cache" / "ganzoo" / "data")


def _check_split(split: str) -> bool:
    if split not in ("train", "test"):
        raise DataError(f"unknown split {split!r}; use 'train' or 'test'")
    return split == "train"


class _TorchvisionDataset:
    """A torchvision dataset read once into memory; ``data_dir`` is torchvision's ``root``."""

    name: str
    tv_class: str
    folder: str
    shape: tuple[int, ...]
    classes: tuple[str, ...]
    expect: str

    @classmethod
    def spec(cls, data_dir: str | Path | None = None) -> DataSpec:
        return DataSpec(cls.name, "images", cls.shape, cls.classes)

    @classmethod
    def _roots(cls, data_dir: str | Path | None) -> list[Path]:
        if data_dir is None:
            return [default_data_dir()]
        root = Path(data_dir).expanduser()
        # accept the torchvision root, the dataset folder itself, or its raw/ folder
        if root.name == "raw" and root.parent.name == cls.folder:
            return [root.parent.parent]
        if root.name == cls.folder:
            return [root.parent]
        return [root]

    @classmethod
    def load(
        cls, split: str = "train", data_dir: str | Path | None = None, download: bool = False
    ) -> TensorData:
        import torchvision

        train = _check_split(split)
        tv = getattr(torchvision.datasets, cls.tv_class)
        roots = cls._roots(data_dir)
        for root in roots:
            try:
                ds = tv(str(root), train=train, download=False)
                break
            except RuntimeError:
                continue
        else:
            if not download:
                raise DataError(
                    f"{cls.name} not found under {roots[0]} (looked for {cls.expect}); point --data-dir at a folder "
                    f"holding it in torchvision's layout, or run online with --download"
                )
            try:
                ds = tv(str(roots[0]), train=train, download=True)
            except Exception as exc:  # network errors come in many types
                raise DataError(
                    f"could not download {cls.name} into {roots[0]}: {exc}".splitlines()[0]
                ) from None
        x = torch.as_tensor(ds.data)
        x = x.unsqueeze(1) if x.ndim == 3 and x.shape[-1] != 3 else x.permute(0, 3, 1, 2)
        y = torch.as_tensor(ds.targets, dtype=torch.long)
        return TensorData(cls.spec(), x.contiguous(), y)


class MNIST(_TorchvisionDataset):
    name, tv_class, folder, shape, classes = "mnist", "MNIST", "MNIST", (1, 28, 28), DIGITS
    expect = "MNIST/raw/train-images-idx3-ubyte"


class FashionMNIST(_TorchvisionDataset):
    name, tv_class, folder, shape, classes = (
        "fashion-mnist",
        "FashionMNIST",
        "FashionMNIST",
        (1, 28, 28),
        FASHION,
    )
    expect = "FashionMNIST/raw/train-images-idx3-ubyte"


class CIFAR10(_TorchvisionDataset):
    name, tv_class, folder, shape, classes = "cifar10", "CIFAR10", "cifar-10-batches-py", (3, 32, 32), CIFAR
    expect = "cifar-10-batches-py/data_batch_1"


class _Mixture:
    """A mixture of isotropic 2-D Gaussians drawn once; labels are the mode indices."""

    name: str

    @classmethod
    def modes(cls, **params) -> tuple[torch.Tensor, float]:
        raise NotImplementedError

    @classmethod
    def spec(cls, data_dir: str | Path | None = None, *, n: int = 0, seed: int = 0, **params) -> DataSpec:
        k = len(cls.modes(**params)[0])
        return DataSpec(cls.name, "points", (2,), tuple(f"mode{i}" for i in range(k)))

    @classmethod
    def load(
        cls,
        split: str = "train",
        data_dir=None,
        download: bool = False,
        *,
        n: int = 50_000,
        seed: int = 0,
        **params,
    ) -> TensorData:
        train = _check_split(split)
        centers, std = cls.modes(**params)
        gen = torch.Generator().manual_seed(seed * 2 + (0 if train else 1))
        y = torch.randint(0, len(centers), (n,), generator=gen)
        x = centers[y] + std * torch.randn(n, 2, generator=gen)
        return TensorData(cls.spec(**params), x.float(), y)


class Ring8(_Mixture):
    name = "ring8"

    @classmethod
    def modes(cls, radius: float = 2.0, std: float = 0.02) -> tuple[torch.Tensor, float]:
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        return torch.stack([radius * angles.cos(), radius * angles.sin()], 1).float(), std


class Grid25(_Mixture):
    name = "grid25"

    @classmethod
    def modes(cls, spacing: float = 2.0, std: float = 0.05) -> tuple[torch.Tensor, float]:
        ticks = (torch.arange(5, dtype=torch.float32) - 2) * spacing
        gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
        return torch.stack([gx.reshape(-1), gy.reshape(-1)], 1), std


class Folder:
    """The user's images in ImageFolder layout (one subfolder per class) at ``data_dir``."""

    @staticmethod
    def _root(data_dir) -> Path:
        if data_dir is None:
            raise DataError(
                "the folder dataset needs --data-dir pointing at your images (one subfolder per class)"
            )
        root = Path(data_dir).expanduser()
        if not root.is_dir():
            raise DataError(f"image folder {root} does not exist; point --data-dir at your images")
        return root

    @classmethod
    def spec(cls, data_dir=None, size: int = 32, channels: int = 3) -> DataSpec:
        root = cls._root(data_dir)
        classes = tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")))
        if not classes:
            raise DataError(
                f"no class subfolders in {root}; put images in {root}/<class>/*.png (one folder is fine)"
            )
        if size % 4:
            raise DataError(f"folder size must be a multiple of 4 for the convolutional nets, got {size}")
        return DataSpec("folder", "images", (channels, size, size), classes)

    @classmethod
    def load(
        cls, split: str = "train", data_dir=None, download: bool = False, size: int = 32, channels: int = 3
    ) -> TensorData:
        import numpy as np
        from PIL import Image
        from torchvision.datasets import ImageFolder

        _check_split(split)
        spec = cls.spec(data_dir, size=size, channels=channels)
        folder = ImageFolder(str(cls._root(data_dir)))
        if not folder.samples:
            raise DataError(f"no images found in {data_dir}")
        mode = "L" if channels == 1 else "RGB"
        xs = []
        for path, _ in folder.samples:  # one-time decode at load; batches never touch PIL
            with Image.open(path) as img:
                img = img.convert(mode).resize((size, size), Image.Resampling.BICUBIC)
                xs.append(np.asarray(img, dtype=np.uint8).reshape(size, size, channels))
        x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).contiguous()
        y = torch.tensor([t for _, t in folder.samples], dtype=torch.long)
        return TensorData(spec, x, y)
