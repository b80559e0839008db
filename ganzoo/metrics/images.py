"""Image metrics seen through the domain classifier: Fréchet distance, classifier score, class histogram,
requested-label accuracy and the InfoGAN code accuracy after the best one-to-one matching.

Sums over features and the Fréchet formula are torchmetrics' (``FrechetInceptionDistance`` and
``InceptionScore`` both accept a custom ``nn.Module`` as ``feature``); ganzoo only supplies the network.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch
from torch import nn

from ganzoo.data import TensorData
from ganzoo.metrics.classifier import FeatureExtractor, TrainedClassifier, predict_logits


def _as_float(x: torch.Tensor) -> torch.Tensor:
    return x.float().div(127.5).sub(1.0) if x.dtype == torch.uint8 else x.float()


@dataclass
class ImageReference:
    """What image metrics compare against, computed once per dataset and device.

    Holds the classifier and a torchmetrics FID whose real statistics are the whole test split
    (``reset_real_features=False`` keeps them across evaluations).
    """

    classifier: TrainedClassifier
    train: TensorData
    test: TensorData
    device: str = "cpu"
    batch_size: int = 500
    _fid: nn.Module | None = field(default=None, repr=False)
    _floors: dict[tuple[int, int], float] = field(default_factory=dict, repr=False)
    _test_logits: torch.Tensor | None = field(default=None, repr=False)

    @property
    def num_classes(self) -> int:
        return self.classifier.net.num_classes

    def _metric(self) -> nn.Module:
        if self._fid is None:
            from torchmetrics.image.fid import FrechetInceptionDistance

            fid = FrechetInceptionDistance(
                feature=FeatureExtractor(self.classifier.net), reset_real_features=False
            )
            fid = fid.to(self.device)
            for i in range(0, len(self.test), self.batch_size):
                fid.update(_as_float(self.test.x[i : i + self.batch_size].to(self.device)), real=True)
            self._fid = fid
        return self._fid

    def fd(self, images: torch.Tensor) -> float:
        """Fréchet distance between ``images`` (float in [-1, 1] or uint8) and the real test split."""
        if len(images) < 2:
            raise ValueError("the Fréchet distance needs at least 2 samples")
        fid = self._metric()
        fid.reset()
        for i in range(0, len(images), self.batch_size):
            fid.update(_as_float(images[i : i + self.batch_size].to(self.device)), real=False)
        value = float(fid.compute())
        fid.reset()
        return value

    def floor(self, n: int, seed: int = 0) -> float:
        """The Fréchet distance of ``n`` real training images (drawn with ``seed``) to the test split."""
        key = (min(n, len(self.train)), seed)
        if key not in self._floors:
            idx = torch.randperm(len(self.train), generator=torch.Generator().manual_seed(seed))[: key[0]]
            self._floors[key] = self.fd(self.train.x[idx])
        return self._floors[key]

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return predict_logits(self.classifier.net, images, batch_size=self.batch_size, device=self.device)

    def test_logits(self) -> torch.Tensor:
        if self._test_logits is None:
            self._test_logits = self.logits(self.test.x)
        return self._test_logits


def classifier_score(logits: torch.Tensor, *, splits: int = 10, seed: int = 0) -> float:
    """``exp(E_x KL(p(y|x) || p(y)))`` averaged over ``splits`` chunks, as the Inception Score.

    Runs torchmetrics' ``InceptionScore`` on precomputed logits; its random split uses the global RNG,
    so the call is wrapped in a forked RNG seeded with ``seed`` (results repeat, callers' RNG untouched).
    """
    from torchmetrics.image.inception import InceptionScore

    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]):
        warnings.simplefilter("ignore", UserWarning)  # notes on buffered features, and std of one split
        metric = InceptionScore(feature=nn.Identity(), splits=max(1, min(splits, len(logits))))
        torch.manual_seed(seed)
        metric.update(logits.double())
        mean, _ = metric.compute()
    return float(mean)


def class_histogram(logits: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts of each predicted class (int64, length ``num_classes``)."""
    return torch.bincount(logits.argmax(1), minlength=num_classes)


def classes_covered(hist: torch.Tensor, min_share: float = 0.2) -> int:
    """Classes predicted for at least ``min_share`` of their uniform share ``n / K`` of the samples."""
    n, k = int(hist.sum()), len(hist)
    return int((hist.float() >= min_share * n / k).sum()) if n else 0


def label_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of samples the classifier assigns to the label they were requested with."""
    return float((logits.argmax(1) == labels.cpu()).float().mean())


def matched_accuracy(
    codes: torch.Tensor, predicted: torch.Tensor, num_codes: int, num_classes: int
) -> tuple[float, list[int]]:
    """Accuracy of a categorical code used as an unsupervised classifier.

    Code values are matched one-to-one to classes so as to maximise agreement (the Hungarian method,
    ``scipy.optimize.linear_sum_assignment``); returns the accuracy and ``mapping[code] -> class``
    (-1 for a code value left unmatched when there are more code values than classes).
    """
    from scipy.optimize import linear_sum_assignment

    confusion = torch.zeros(num_codes, num_classes, dtype=torch.long)
    confusion.index_put_(
        (codes.long().cpu(), predicted.long().cpu()),
        torch.ones(len(codes), dtype=torch.long),
        accumulate=True,
    )
    rows, cols = linear_sum_assignment(confusion.numpy(), maximize=True)
    mapping = [-1] * num_codes
    for r, c in zip(rows.tolist(), cols.tolist()):
        mapping[r] = c
    correct = int(confusion[torch.as_tensor(rows), torch.as_tensor(cols)].sum())
    return correct / max(1, len(codes)), mapping
