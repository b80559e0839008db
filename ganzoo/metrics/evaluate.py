"""``evaluate(model)``: every metric that fits the model's data and latent layout, in one call."""

from __future__ import annotations

import inspect
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganzoo.data import TensorData
from ganzoo.devices import resolve_device
from ganzoo.errors import DataError
from ganzoo.metrics.classifier import get_classifier
from ganzoo.metrics.images import (
    ImageReference,
    class_histogram,
    classes_covered,
    classifier_score,
    label_accuracy,
    matched_accuracy,
)
from ganzoo.metrics.points import mode_metrics, nearest_mode
from ganzoo.model import GanModel

#: Metric names and what they mean; the CLI table and the docs use these.
DESCRIPTIONS: dict[str, str] = {
    "fd": "Fréchet distance to the real test split in the domain classifier's feature space (lower is better)",
    "fd_floor": "the same distance for as many real training images: the best reachable value",
    "classifier_score": "exp E[KL(p(y|x) || p(y))] as the Inception Score (10 splits); at most the class count",
    "classifier_score_real": "classifier score of the real test split, for reference",
    "classes_covered": "classes predicted for at least 20% of their uniform share of the samples",
    "max_class_share": "share of samples in the most predicted class (1/K when balanced, 1 when collapsed)",
    "label_acc": "share of samples classified as the label they were requested with",
    "code_acc": "samples drawn per categorical code value, classified; accuracy after the best one-to-one "
    "code-to-class matching",
    "q_acc": "InfoGAN's Q head used as an unsupervised classifier of the real test split, after the best "
    "one-to-one code-to-class matching (the paper's 5% error measure)",
    "classifier_acc": "the domain classifier's accuracy on the real test split",
    "modes": "modes covered: at least 10% of their fair share n/K of high-quality samples",
    "modes_any": "modes with at least one high-quality sample (VEEGAN's rule)",
    "num_modes": "modes of the dataset",
    "hq": "share of samples within 3 std of their nearest mode",
    "hq_real": "the same share for real samples (about 0.989 for a 2-D Gaussian)",
    "mode_kl": "KL(mode histogram of high-quality samples || uniform); 0 is perfect balance",
    "mode_score": "(modes / num_modes) * hq, in [0, 1]; the main 2-D metric",
}


@dataclass
class EvalResult:
    """Metrics of one model; ``main`` names the one to keep the best model by."""

    metrics: dict[str, float]
    main: str
    higher_is_better: bool
    histogram: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        """The main metric's value."""
        return self.metrics[self.main]

    def better_than(self, other: EvalResult | None) -> bool:
        """Whether this result beats ``other`` on the main metric (any finite result beats None or NaN)."""
        if other is None or not math.isfinite(other.value):
            return math.isfinite(self.value)
        return self.value > other.value if self.higher_is_better else self.value < other.value

    def to_json(self) -> dict[str, Any]:
        return {
            "main": self.main,
            "higher_is_better": self.higher_is_better,
            "metrics": dict(self.metrics),
            "histogram": dict(self.histogram),
            "info": dict(self.info),
        }

    def summary(self) -> dict[str, Any]:
        """Flat ``metrics.json`` content for model folders and cards: the metrics, the main one, the sample count."""
        return {**self.metrics, "main": self.main, "n_samples": self.info.get("n_samples")}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> EvalResult:
        return cls(d["metrics"], d["main"], d["higher_is_better"], d.get("histogram", {}), d.get("info", {}))

    def __str__(self) -> str:
        return json.dumps(self.to_json(), indent=2)


#: Real data and classifiers kept in memory between evaluations (``--eval-every`` calls often).
_REFERENCES: dict[tuple, Any] = {}


def _dataset(model: GanModel):
    from ganzoo.registry import get_registry

    name = model.data.name
    params = dict((model.config.get("dataset") or {}).get("params") or {})
    return name, params, get_registry().get(name, "dataset").load()


def _load(impl: Any, split: str, data_dir: Any, params: dict[str, Any]) -> TensorData:
    return impl.load(split, data_dir=data_dir, download=False, **params)


def image_reference(
    model: GanModel,
    *,
    data_dir: str | Path | None = None,
    device: str = "cpu",
    batch_size: int = 500,
    quiet: bool = True,
) -> ImageReference:
    """The (cached) classifier and real statistics of ``model``'s dataset."""
    name, params, impl = _dataset(model)
    key = ("images", name, json.dumps(params, sort_keys=True), str(data_dir), device)
    ref = _REFERENCES.get(key)
    if ref is None:
        train, test = _load(impl, "train", data_dir, params), _load(impl, "test", data_dir, params)
        if tuple(train.spec.shape) != tuple(model.data.shape):
            raise DataError(
                f"the model makes {tuple(model.data.shape)} images but {name} holds {tuple(train.spec.shape)}; "
                "evaluate it against the dataset it was trained on"
            )
        clf = get_classifier(train, test, device=device, quiet=quiet)
        ref = ImageReference(clf, train, test, device=device, batch_size=batch_size)
        _REFERENCES[key] = ref
    ref.batch_size = batch_size
    return ref


def _requests(model: GanModel, n: int, seed: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """Balanced labels (conditional models) and balanced first categorical codes (InfoGAN)."""
    lat = model.latent
    gen = torch.Generator().manual_seed(seed + 1)
    labels = torch.arange(n) % lat.num_classes if lat.conditional else None
    codes = None
    if lat.categorical:
        cols = [torch.arange(n) % lat.categorical[0]]
        cols += [torch.randint(0, k, (n,), generator=gen) for k in lat.categorical[1:]]
        codes = torch.stack(cols, 1)
    return labels, codes


#: ``(model, n, labels, codes, seed) -> samples``: how evaluation draws its samples (default: model.sample).
Sampler = Callable[..., torch.Tensor]


def _sample(
    model: GanModel, n: int, labels, codes, seed: int, batch_size: int, sampler: Sampler | None = None
) -> tuple[torch.Tensor, int]:
    if sampler is None:
        x = model.sample(n, labels=labels, codes=codes, seed=seed, batch_size=batch_size)
    else:
        x = sampler(model, n, labels=labels, codes=codes, seed=seed)
    bad = int((~torch.isfinite(x.reshape(n, -1))).any(1).sum())
    if bad:
        x = torch.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    return x, bad


def evaluate(
    model: GanModel,
    *,
    n_samples: int = 10_000,
    data_dir: str | Path | None = None,
    device: str = "cpu",
    batch_size: int = 500,
    seed: int = 0,
    quiet: bool = True,
    sampler: Sampler | None = None,
) -> EvalResult:
    """Sample ``n_samples`` from ``model`` and measure them against its dataset's real data.

    Images: Fréchet distance (main, lower is better) with its real-data floor, classifier score,
    class histogram; ``label_acc`` for conditional models, ``code_acc`` for categorical codes.
    2-D points: modes covered, high-quality share, ``mode_score`` (main, higher is better).
    ``device`` runs the domain classifier; the model samples on its own device. ``data_dir``
    defaults to the one recorded in the model's config. The first image evaluation of a dataset
    trains its domain classifier (about a minute for MNIST on a CPU) and caches it. ``sampler``
    replaces how samples are drawn (e.g. discriminator-ranked sampling, see ``ganzoo.nice``).
    """
    if n_samples < 2:
        raise ValueError("n_samples must be at least 2")
    if data_dir is None:
        data_dir = (model.config.get("run") or {}).get("data_dir")
    device = resolve_device(device)
    start = time.perf_counter()
    labels, codes = _requests(model, n_samples, seed)
    if model.data.is_image:
        result = _evaluate_images(
            model, n_samples, labels, codes, data_dir, device, batch_size, seed, quiet, sampler
        )
    elif model.data.kind == "points":
        result = _evaluate_points(model, n_samples, labels, codes, seed, batch_size, sampler)
    else:
        raise DataError(f"no metrics for data of kind {model.data.kind!r} (known: images, points)")
    result.info.update(
        dataset=model.data.name,
        family=model.config.get("family"),
        n_samples=n_samples,
        seed=seed,
        seconds=round(time.perf_counter() - start, 2),
    )
    return result


def _evaluate_images(
    model, n, labels, codes, data_dir, device, batch_size, seed, quiet, sampler
) -> EvalResult:
    ref = image_reference(model, data_dir=data_dir, device=device, batch_size=batch_size, quiet=quiet)
    x, bad = _sample(model, n, labels, codes, seed, batch_size, sampler)
    k = ref.num_classes
    logits = ref.logits(x)
    hist = class_histogram(logits, k)
    score = classifier_score(logits, seed=seed)
    score_real = classifier_score(ref.test_logits(), seed=seed)
    metrics = {
        "fd": ref.fd(x),
        "fd_floor": ref.floor(n, seed),
        "classifier_score": score,
        "classifier_score_real": score_real,
        "classes_covered": float(classes_covered(hist)),
        "max_class_share": float(hist.max()) / n,
    }
    if labels is not None and model.latent.num_classes == k:
        metrics["label_acc"] = label_accuracy(logits, labels)
    if codes is not None:
        metrics["code_acc"], mapping = matched_accuracy(
            codes[:, 0], logits.argmax(1), model.latent.categorical[0], k
        )
        q_acc = _q_accuracy(model, ref.test.normalise(ref.test.x), ref.test.y, k, batch_size)
        if q_acc is not None:
            metrics["q_acc"] = q_acc
    metrics["classifier_acc"] = ref.classifier.test_accuracy
    classes = list(ref.test.spec.classes) or [str(i) for i in range(k)]
    info: dict[str, Any] = {
        "classifier": {
            k2: ref.classifier.info[k2] for k2 in ("test_accuracy", "epochs", "train_seconds", "features")
        },
        "real_test_size": len(ref.test),
        "nonfinite_samples": bad,
    }
    if codes is not None:
        info["code_to_class"] = [classes[c] if c >= 0 else None for c in mapping]
    return EvalResult(metrics, "fd", False, dict(zip(classes, hist.tolist())), info)


def _q_accuracy(model, x: torch.Tensor, y: torch.Tensor | None, k: int, batch_size: int) -> float | None:
    """Matched accuracy of the Q head classifying real data ``x`` against ``y``; None without a Q head."""
    if y is None:
        return None
    try:
        predicted = model.predict_codes(x, batch_size)
    except ValueError:  # a discriminator without a Q head was swapped in
        return None
    return matched_accuracy(predicted, y, model.latent.categorical[0], k)[0]


def _modes_of(impl: Any, params: dict[str, Any], name: str) -> tuple[torch.Tensor, float]:
    modes = getattr(impl, "modes", None)
    if modes is None:
        raise DataError(
            f"dataset {name!r} does not describe its modes (no modes() on its factory); "
            "2-D metrics need the mode centres and their standard deviation"
        )
    accepted = inspect.signature(modes).parameters
    centers, std = modes(**{k: v for k, v in params.items() if k in accepted})
    return torch.as_tensor(centers), float(std)


def _evaluate_points(model, n, labels, codes, seed, batch_size, sampler) -> EvalResult:
    name, params, impl = _dataset(model)
    centers, std = _modes_of(impl, params, name)
    x, bad = _sample(model, n, labels, codes, seed, batch_size, sampler)
    key = ("points", name, json.dumps(params, sort_keys=True))
    if key not in _REFERENCES:
        real = _load(impl, "test", None, params)
        _REFERENCES[key] = mode_metrics(real.x, centers, std)["hq"]
    metrics = {}
    for k, v in mode_metrics(x, centers, std).items():
        metrics[k] = v
        if k == "hq":
            metrics["hq_real"] = _REFERENCES[key]
    nearest = nearest_mode(x, centers)
    if labels is not None and model.latent.num_classes == len(centers):
        metrics["label_acc"] = float((nearest == labels).float().mean())
    info: dict[str, Any] = {"std": std, "nonfinite_samples": bad}
    if codes is not None:
        metrics["code_acc"], mapping = matched_accuracy(
            codes[:, 0], nearest, model.latent.categorical[0], len(centers)
        )
        info["code_to_mode"] = mapping
        real = _load(impl, "test", None, params)
        q_acc = _q_accuracy(model, real.x, nearest_mode(real.x, centers), len(centers), batch_size)
        if q_acc is not None:
            metrics["q_acc"] = q_acc
    hist = torch.bincount(nearest, minlength=len(centers))
    histogram = {f"mode{i}": int(c) for i, c in enumerate(hist.tolist())}
    return EvalResult(metrics, "mode_score", True, histogram, info)
