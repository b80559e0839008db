"""The domain classifier that image metrics look through, trained by ganzoo on the real training split.

Inception weights cannot be downloaded everywhere ganzoo runs, and an ImageNet net says little about
28×28 digits anyway. So each image dataset gets a small CNN trained on its own training split; its
penultimate layer (128 features) is the feature space of the Fréchet distance, its softmax the
``p(y|x)`` of the classifier score. The weights are cached as safetensors (never pickled) under
``$GANZOO_CACHE/classifiers`` (default ``~/.cache/ganzoo/classifiers``), keyed by the dataset name and a
hash of its training data, with a JSON file holding the test accuracy.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.data import TensorData
from ganzoo.errors import DataError
from ganzoo.fsutil import atomic_text, atomic_write

#: Bumped whenever the architecture or the recipe changes, so that old cached weights are not reused.
ARCH_VERSION = 1
FEATURES = 128


class DomainClassifier(nn.Module):
    """Two conv blocks (3×3 conv, BN, ReLU, max-pool) and a 128-unit hidden layer; input in [-1, 1].

    ``features(x)`` is the penultimate layer (after ReLU), ``forward(x)`` the class logits.
    Works for any (C, H, W) with H, W ≥ 4; maps larger than 8×8 after pooling are average-pooled to 8×8.
    """

    def __init__(self, shape: tuple[int, ...], num_classes: int, width: int = 32) -> None:
        super().__init__()
        c, h, w = shape
        if h < 4 or w < 4:
            raise ValueError(f"images of shape {tuple(shape)} are too small for the domain classifier")
        self.shape = tuple(shape)
        self.num_classes = num_classes

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [
                nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]

        oh, ow = min(h // 4, 8), min(w // 4, 8)
        self.body = nn.Sequential(
            *block(c, width), *block(width, 2 * width), nn.AdaptiveAvgPool2d((oh, ow)), nn.Flatten()
        )
        self.hidden = nn.Sequential(
            nn.Linear(2 * width * oh * ow, FEATURES), nn.BatchNorm1d(FEATURES), nn.ReLU(inplace=True)
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURES, num_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.hidden(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class FeatureExtractor(nn.Module):
    """The classifier's penultimate layer as an ``(N, 128)`` feature map, the form torchmetrics' FID takes."""

    def __init__(self, classifier: DomainClassifier) -> None:
        super().__init__()
        self.classifier = classifier
        self.num_features = FEATURES

    def train(self, mode: bool = True) -> FeatureExtractor:
        """Always in eval mode: batch norm must use its running statistics, dropout must be off."""
        return super().train(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(x.float())


@dataclass
class TrainedClassifier:
    """A classifier in eval mode with what is known about it (``info`` is the cached JSON)."""

    net: DomainClassifier
    info: dict[str, Any]

    @property
    def test_accuracy(self) -> float:
        return float(self.info["test_accuracy"])


def cache_dir() -> Path:
    """``$GANZOO_CACHE/classifiers``, else ``$XDG_CACHE_HOME/ganzoo/classifiers`` or ``~/.cache/...``."""
    root = os.environ.get("GANZOO_CACHE")
    if root:
        return Path(root).expanduser() / "classifiers"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "ganzoo" / "classifiers"


def data_hash(data: TensorData) -> str:
    """A short content hash of images, labels and the classifier recipe version."""
    h = hashlib.sha256(f"v{ARCH_VERSION}:{tuple(data.x.shape)}:{data.spec.classes}".encode())
    h.update(data.x.contiguous().cpu().numpy().tobytes())
    if data.y is not None:
        h.update(data.y.contiguous().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def _batches(n: int, batch_size: int, perm: torch.Tensor | None = None):
    for i in range(0, n, batch_size):
        yield perm[i : i + batch_size] if perm is not None else slice(i, i + batch_size)


@torch.no_grad()
def predict_logits(
    net: nn.Module, x: torch.Tensor, *, batch_size: int = 500, device: str = "cpu"
) -> torch.Tensor:
    """Logits of ``net`` for images ``x`` (uint8 or float in [-1, 1]), computed in batches, on the CPU."""
    out = []
    for sl in _batches(len(x), batch_size):
        xb = x[sl].to(device)
        xb = xb.float().div(127.5).sub(1.0) if xb.dtype == torch.uint8 else xb.float()
        out.append(net(xb).float().cpu())
    return torch.cat(out) if out else torch.empty(0, getattr(net, "num_classes", 0))


def accuracy(net: nn.Module, data: TensorData, *, batch_size: int = 500, device: str = "cpu") -> float:
    """Share of ``data`` that ``net`` classifies correctly."""
    logits = predict_logits(net, data.x, batch_size=batch_size, device=device)
    return float((logits.argmax(1) == data.y.cpu()).float().mean())


def train_classifier(
    train: TensorData,
    test: TensorData,
    *,
    epochs: int = 2,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    device: str = "cpu",
    width: int = 32,
) -> TrainedClassifier:
    """Train a :class:`DomainClassifier` (Adam, one-cycle learning rate, light shift augmentation)."""
    if train.y is None or train.spec.num_classes < 2:
        raise DataError(
            f"dataset {train.spec.name!r} has no class labels; image metrics need a labelled dataset "
            "to train their domain classifier"
        )
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = DomainClassifier(train.spec.shape, train.spec.num_classes, width=width).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps_per_epoch = math.ceil(len(train) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch)
    x_all, y_all = train.x, train.y
    start = time.perf_counter()
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(len(train), generator=gen)
        for idx in _batches(len(train), batch_size, perm):
            xb = x_all[idx].to(device).float().div_(127.5).sub_(1.0)
            xb = _random_shift(xb, gen)
            loss = F.cross_entropy(net(xb), y_all[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    net.eval()
    seconds = time.perf_counter() - start
    info = {
        "dataset": train.spec.name,
        "shape": list(train.spec.shape),
        "classes": list(train.spec.classes),
        "arch_version": ARCH_VERSION,
        "width": width,
        "features": FEATURES,
        "epochs": epochs,
        "train_size": len(train),
        "test_size": len(test),
        "train_seconds": round(seconds, 1),
        "test_accuracy": accuracy(net, test, device=device),
    }
    return TrainedClassifier(net, info)


def _random_shift(x: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Translate the whole batch by up to ``max_shift`` pixels (one shift per batch: cheap, and enough)."""
    dx, dy = (int(v) for v in torch.randint(-max_shift, max_shift + 1, (2,), generator=gen))
    if dx == 0 and dy == 0:
        return x
    pad = F.pad(x, (max_shift,) * 4, value=-1.0)
    h, w = x.shape[-2:]
    return pad[..., max_shift + dy : max_shift + dy + h, max_shift + dx : max_shift + dx + w]


def save_classifier(clf: TrainedClassifier, path: Path) -> None:
    """Write ``path`` (.safetensors) and its ``.json`` sidecar, each atomically (JSON last)."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().contiguous() for k, v in clf.net.state_dict().items()}
    atomic_write(path, lambda tmp: save_file(state, tmp, metadata={"arch_version": str(ARCH_VERSION)}))

    atomic_text(path.with_suffix(".json"), json.dumps(clf.info, indent=2) + "\n")


def load_classifier(path: Path, device: str = "cpu") -> TrainedClassifier | None:
    """The cached classifier at ``path``, or None when it is missing, stale or unreadable."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    meta = path.with_suffix(".json")
    if not (path.is_file() and meta.is_file()):
        return None
    try:
        info = json.loads(meta.read_text())
        if info.get("arch_version") != ARCH_VERSION:
            return None
        net = DomainClassifier(tuple(info["shape"]), len(info["classes"]), width=int(info["width"]))
        net.load_state_dict(load_file(str(path)), strict=True)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, SafetensorError):
        return None
    return TrainedClassifier(net.to(device).eval(), info)


def get_classifier(
    train: TensorData, test: TensorData, *, device: str = "cpu", epochs: int = 2, quiet: bool = True
) -> TrainedClassifier:
    """The domain classifier of ``train``'s dataset: from the cache, or trained now and cached."""
    path = cache_dir() / f"{train.spec.name}-{data_hash(train)}.safetensors"
    clf = load_classifier(path, device)
    if clf is not None:
        return clf
    if not quiet:
        print(
            f"ganzoo: training the {train.spec.name} domain classifier once ({len(train)} images); "
            f"it is cached in {path.parent}",
            flush=True,
        )
    clf = train_classifier(train, test, epochs=epochs, device=device)
    try:
        save_classifier(clf, path)
    except OSError as exc:  # a read-only cache must not stop an evaluation
        import warnings

        warnings.warn(f"could not cache the domain classifier in {path.parent}: {exc}", stacklevel=2)
    return clf
