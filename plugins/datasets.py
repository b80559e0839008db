"""Built-in datasets: torchvision's MNIST, Fashion-MNIST and CIFAR-10, the 2-D mixtures, an image folder.

Dataset factory contract: an object with ``spec(data_dir=None, **params) -> DataSpec`` (cheap, reads
no data) and ``load(split="train", data_dir=None, download=False, **params) -> TensorData``; 2-D
mixtures also have ``modes(**params) -> (centers (K, 2) tensor, std)`` for the mode-coverage metrics.
"""

from __future__ import annotations

from ganzoo import Component, Param, hookimpl
from ganzoo.capabilities import IMAGES, LABELS, POINTS

_IMPL = "ganzoo_plugins.nn.datasets"
_N = Param("n", int, 50_000, "points drawn once (with `seed`) and held in memory", min=1)
_SEED = Param("seed", int, 0, "seed of the drawn points", min=0)


@hookimpl
def register_components(register):
    register(
        Component(
            "mnist",
            "dataset",
            "MNIST handwritten digits, 1x28x28, 10 classes (torchvision layout)",
            factory=f"{_IMPL}:MNIST",
            provides={IMAGES, LABELS},
            paper="LeCun et al. 1998",
        )
    )
    register(
        Component(
            "fashion-mnist",
            "dataset",
            "Fashion-MNIST clothing images, 1x28x28, 10 classes (torchvision layout)",
            factory=f"{_IMPL}:FashionMNIST",
            provides={IMAGES, LABELS},
            paper="Xiao et al. 2017 (arXiv 1708.07747)",
        )
    )
    register(
        Component(
            "cifar10",
            "dataset",
            "CIFAR-10 natural images, 3x32x32, 10 classes (torchvision layout)",
            factory=f"{_IMPL}:CIFAR10",
            provides={IMAGES, LABELS},
            paper="Krizhevsky 2009",
        )
    )
    register(
        Component(
            "ring8",
            "dataset",
            "8 Gaussians on a circle: the 2-D mode-coverage benchmark (label = mode)",
            factory=f"{_IMPL}:Ring8",
            provides={POINTS, LABELS},
            paper="Metz et al. 2016; VEEGAN; PacGAN",
            params=(
                Param("radius", float, 2.0, "radius of the ring", min=0),
                Param("std", float, 0.02, "standard deviation of each mode", min=0),
                _N,
                _SEED,
            ),
        )
    )
    register(
        Component(
            "grid25",
            "dataset",
            "25 Gaussians on a 5x5 grid: the 2-D mode-coverage benchmark (label = mode)",
            factory=f"{_IMPL}:Grid25",
            provides={POINTS, LABELS},
            paper="VEEGAN; PacGAN",
            params=(
                Param("spacing", float, 2.0, "distance between neighbouring modes", min=0),
                Param("std", float, 0.05, "standard deviation of each mode", min=0),
                _N,
                _SEED,
            ),
        )
    )
    register(
        Component(
            "folder",
            "dataset",
            "your own images: torchvision ImageFolder at --data-dir, resized (labels = subfolders)",
            factory=f"{_IMPL}:Folder",
            provides={IMAGES, LABELS},
            params=(
                Param("size", int, 32, "side of the square images the nets see (multiple of 4)", min=4),
                Param("channels", int, 3, "1 for grayscale, 3 for RGB", choices=(1, 3)),
            ),
        )
    )
