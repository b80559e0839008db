"""Metrics on cases whose answer is known, with synthetic data only (no real MNIST in tests)."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from ganzoo.components import Component
from ganzoo.data import TensorData
from ganzoo.metrics import EvalResult, evaluate
from ganzoo.metrics import classifier as clf_mod
from ganzoo.metrics.evaluate import _REFERENCES
from ganzoo.metrics.images import classifier_score, matched_accuracy
from ganzoo.metrics.points import mode_metrics
from ganzoo.model import GanModel
from ganzoo.registry import Registry
from ganzoo.spec import DataSpec, LatentSpec

SPEC = DataSpec("toydigits", "images", (1, 28, 28), tuple(str(i) for i in range(10)))


def toy_images(labels: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """MNIST-like uint8 images: class k is a bright 5x5 square in cell k of a 3x4 grid, jittered, noisy."""
    n = len(labels)
    top = (labels // 4) * 9 + 2 + torch.randint(-1, 2, (n,), generator=gen)
    left = (labels % 4) * 7 + 1 + torch.randint(-1, 2, (n,), generator=gen)
    ar = torch.arange(28)
    rows = (ar >= top[:, None]) & (ar < top[:, None] + 5)
    cols = (ar >= left[:, None]) & (ar < left[:, None] + 5)
    level = 150 + 100 * torch.rand(n, 1, 1, generator=gen)
    img = (rows[:, :, None] & cols[:, None, :]).float() * level + 12 * torch.randn(n, 28, 28, generator=gen)
    return img.clamp(0, 255).round().to(torch.uint8).unsqueeze(1)


class ToyDigits:
    """A dataset factory in the plugin contract: ``spec()`` and ``load(split, data_dir, download)``."""

    @staticmethod
    def spec(data_dir=None) -> DataSpec:
        return SPEC

    @staticmethod
    def load(split: str = "train", data_dir=None, download: bool = False) -> TensorData:
        n, seed = (1500, 1) if split == "train" else (1000, 2)
        gen = torch.Generator().manual_seed(seed)
        y = torch.randint(0, 10, (n,), generator=gen)
        return TensorData(SPEC, toy_images(y, gen), y)


class Sampler(nn.Module):
    """A 'generator' in the net contract whose output is decided by ``make(z, y) -> images``."""

    def __init__(self, latent: LatentSpec, make) -> None:
        super().__init__()
        self.latent = latent
        self.make = make
        self.anchor = nn.Parameter(torch.zeros(1))  # gives the model a device

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.make(z, y)


def _float(images: torch.Tensor) -> torch.Tensor:
    return images.float() / 127.5 - 1


def _seeded(z: torch.Tensor) -> torch.Generator:
    return torch.Generator().manual_seed(int(z[0, 0].mul(1e6).abs()) % (2**31))


def model_of(make, latent: LatentSpec | None = None, data: DataSpec = SPEC, dataset_params=None) -> GanModel:
    latent = latent or LatentSpec(8)
    config = {"family": "test", "dataset": {"name": data.name, "params": dataset_params or {}}}
    return GanModel(Sampler(latent, make), nn.Identity(), data, config)


@pytest.fixture(scope="module")
def toy_registry(tmp_path_factory):
    """The installed plugins plus the toy dataset; classifier cache in a temporary folder."""
    import ganzoo.registry

    mp = pytest.MonkeyPatch()
    mp.setenv("GANZOO_CACHE", str(tmp_path_factory.mktemp("cache")))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny nets: one thread is fastest, and kind to a shared machine
    reg = Registry.discover()
    reg.add(Component("toydigits", "dataset", "synthetic squares", factory=f"{__name__}:ToyDigits"))
    mp.setattr(ganzoo.registry, "_REGISTRY", reg)
    yield reg
    mp.undo()
    torch.set_num_threads(threads)
    _REFERENCES.clear()


def real_like(z, y):
    gen = _seeded(z)
    return _float(toy_images(torch.randint(0, 10, (len(z),), generator=gen), gen))


def one_class(z, y):
    gen = _seeded(z)
    return _float(toy_images(torch.full((len(z),), 3), gen))


def noise(z, y):
    return torch.rand(len(z), 1, 28, 28, generator=_seeded(z)) * 2 - 1


N = 1000


@pytest.fixture(scope="module")
def results(toy_registry):
    return {
        name: evaluate(model_of(make), n_samples=N)
        for name, make in [("real", real_like), ("one", one_class), ("noise", noise)]
    }


def test_classifier_is_trained_cached_and_accurate(results, toy_registry):
    cached = list(clf_mod.cache_dir().glob("toydigits-*.safetensors"))
    assert len(cached) == 1
    info = json.loads(cached[0].with_suffix(".json").read_text())
    assert info["test_accuracy"] > 0.97
    assert results["real"].metrics["classifier_acc"] == pytest.approx(info["test_accuracy"])
    again = clf_mod.load_classifier(cached[0])
    assert again is not None and again.test_accuracy == info["test_accuracy"]
    assert not list(clf_mod.cache_dir().glob("*.tmp"))


def test_stale_or_broken_cache_is_not_used(results, tmp_path):
    src = next(clf_mod.cache_dir().glob("toydigits-*.safetensors"))
    path = tmp_path / src.name
    path.write_bytes(src.read_bytes())
    info = json.loads(src.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**info, "arch_version": info["arch_version"] - 1}))
    assert clf_mod.load_classifier(path) is None  # another recipe: retrain
    path.with_suffix(".json").write_text(json.dumps(info))
    path.write_bytes(b"not safetensors")
    assert clf_mod.load_classifier(path) is None


def test_real_images_score_near_the_floor(results):
    m = results["real"].metrics
    assert results["real"].main == "fd" and not results["real"].higher_is_better
    assert m["fd"] < 2 * m["fd_floor"] + 0.5
    assert m["classifier_score"] > 0.9 * m["classifier_score_real"] > 2
    assert m["classes_covered"] == 10
    assert m["max_class_share"] < 0.15
    assert sum(results["real"].histogram.values()) == N


def test_one_repeated_class_covers_one_class(results):
    r = results["one"]
    assert r.metrics["classes_covered"] == 1
    assert r.histogram["3"] >= 0.98 * N
    assert r.metrics["classifier_score"] < 1.2
    assert r.metrics["fd"] > 10 * results["real"].metrics["fd"]


def test_noise_scores_far_worse(results):
    assert results["noise"].metrics["fd"] > 20 * results["real"].metrics["fd"]
    assert results["real"].better_than(results["noise"]) and not results["noise"].better_than(results["real"])


def test_requested_label_accuracy(toy_registry):
    lat = LatentSpec(8, num_classes=10)

    def obedient(z, y):
        return _float(toy_images(y.cpu(), _seeded(z)))

    r = evaluate(model_of(obedient, lat), n_samples=500)
    assert r.metrics["label_acc"] > 0.98
    r = evaluate(model_of(real_like, lat), n_samples=500)
    assert 0.03 < r.metrics["label_acc"] < 0.2


def test_infogan_matching_recovers_a_permuted_code(toy_registry):
    perm = torch.tensor([7, 2, 9, 0, 4, 1, 8, 3, 6, 5])
    lat = LatentSpec(8, categorical=(10,), continuous=2)

    def coded(z, y):
        code = z[:, 8:18].argmax(1)
        return _float(toy_images(perm[code.cpu()], _seeded(z)))

    r = evaluate(model_of(coded, lat), n_samples=500)
    assert r.metrics["code_acc"] > 0.98
    assert r.info["code_to_class"] == [str(int(c)) for c in perm]
    assert "label_acc" not in r.metrics


class CellReader(nn.Module):
    """A Q head for toy digits: the 5x5 cell holding the bright square, through a permutation."""

    def __init__(self, perm: torch.Tensor) -> None:
        super().__init__()
        self.perm = perm

    def forward(self, x, y=None):
        img = x[:, 0]
        cells = torch.stack(
            [
                img[:, r * 9 + 2 : r * 9 + 7, c * 7 + 1 : c * 7 + 6].mean((1, 2))
                for r in range(3)
                for c in range(4)
            ],
            1,
        )[:, :10]
        logits = torch.full_like(cells, -1.0).scatter_(1, self.perm[cells.argmax(1)][:, None], 1.0)
        return {"score": cells.sum(1), "q_cat": logits}


def test_q_accuracy_reads_real_test_images_through_the_q_head(toy_registry):
    perm = torch.tensor([7, 2, 9, 0, 4, 1, 8, 3, 6, 5])
    lat = LatentSpec(8, categorical=(10,), continuous=2)
    model = GanModel(Sampler(lat, real_like), CellReader(perm), SPEC, model_of(real_like, lat).config)
    r = evaluate(model, n_samples=200)
    assert r.metrics["q_acc"] > 0.95  # a permuted code still counts after the matching
    model = GanModel(
        Sampler(lat, real_like), CellReader(torch.zeros(10, dtype=torch.long)), SPEC, model.config
    )
    assert evaluate(model, n_samples=200).metrics["q_acc"] < 0.2  # one code for every image


def test_no_q_accuracy_without_a_q_head(toy_registry):
    lat = LatentSpec(8, categorical=(10,), continuous=2)
    assert "q_acc" not in evaluate(model_of(real_like, lat), n_samples=200).metrics


def test_matched_accuracy_directly():
    codes = torch.arange(100) % 4
    perm = torch.tensor([2, 0, 3, 1])
    acc, mapping = matched_accuracy(codes, perm[codes], 4, 4)
    assert acc == 1.0 and mapping == perm.tolist()
    acc, _ = matched_accuracy(codes, torch.zeros(100, dtype=torch.long), 4, 4)  # all one class
    assert acc == pytest.approx(0.25)
    acc, mapping = matched_accuracy(codes, codes % 2, 4, 2)  # more codes than classes
    assert acc == 0.5 and sorted(m for m in mapping if m >= 0) == [0, 1] and mapping.count(-1) == 2


def test_classifier_score_bounds():
    k = 10
    confident = torch.eye(k).repeat(50, 1) * 50
    assert classifier_score(confident, splits=1) == pytest.approx(k, rel=1e-3)
    assert 9 < classifier_score(confident) < k  # 10 random splits of 50 are not exactly balanced
    assert classifier_score(torch.zeros(500, k)) == pytest.approx(1.0)
    assert classifier_score(confident, seed=1) == classifier_score(confident, seed=1)


# -- 2-D ------------------------------------------------------------------------------------------
def _mixture(name: str):
    from ganzoo.registry import get_registry

    impl = get_registry().get(name, "dataset").load()
    return impl, *impl.modes()


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_perfect_2d_sampler_covers_every_mode(name):
    impl, centers, std = _mixture(name)
    k = len(centers)

    def perfect(z, y):
        gen = _seeded(z)
        idx = torch.randint(0, k, (len(z),), generator=gen)
        return centers[idx] + std * torch.randn(len(z), 2, generator=gen)

    data = impl.spec()
    r = evaluate(model_of(perfect, data=data), n_samples=4000)
    assert r.main == "mode_score" and r.higher_is_better
    assert r.metrics["modes"] == k == r.metrics["num_modes"]
    assert r.metrics["hq"] > 0.97 and abs(r.metrics["hq"] - r.metrics["hq_real"]) < 0.02
    assert r.metrics["mode_kl"] < 0.02
    assert r.metrics["mode_score"] > 0.97


def test_collapsed_2d_sampler_covers_one_mode():
    impl, centers, std = _mixture("ring8")

    def collapsed(z, y):
        return centers[2] + std * torch.randn(len(z), 2, generator=_seeded(z))

    r = evaluate(model_of(collapsed, data=impl.spec()), n_samples=2000)
    assert r.metrics["modes"] == 1 and r.metrics["modes_any"] == 1
    assert r.metrics["mode_kl"] == pytest.approx(math.log(8), rel=1e-6)
    assert r.metrics["mode_score"] < 0.13
    assert r.histogram["mode2"] == 2000


def test_mode_metrics_rules():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    far = torch.tensor([[5.0, 5.0]]).repeat(90, 1)
    stray = torch.tensor([[10.0, 0.0]])  # one sample on mode 1: VEEGAN's rule counts it, ours does not
    near = torch.zeros(109, 2)
    m = mode_metrics(torch.cat([far, stray, near]), centers, std=0.1)
    assert m["hq"] == pytest.approx(110 / 200)
    assert m["modes"] == 1 and m["modes_any"] == 2
    nan = torch.full((10, 2), float("nan"))
    assert mode_metrics(nan, centers, std=0.1)["hq"] == 0.0


def test_eval_result_json_round_trip():
    r = EvalResult({"fd": 3.0}, "fd", False, {"0": 5}, {"n_samples": 5})
    again = EvalResult.from_json(json.loads(json.dumps(r.to_json())))
    assert again == r
    assert EvalResult({"fd": 2.0}, "fd", False).better_than(r)
    assert r.better_than(EvalResult({"fd": float("nan")}, "fd", False))


# -- the command --------------------------------------------------------------------------------------------
def test_eval_command_writes_metrics_into_the_model_folder(tmp_path, capsys):
    import ganzoo
    from ganzoo.api import resolve_run
    from ganzoo.cli import main
    from ganzoo.modelio import model_config, save_model

    torch.manual_seed(0)
    impl, _, _ = _mixture("ring8")
    model = ganzoo.build("gan", dataset="ring8", data_shape=impl.spec())
    model_config(model, resolve_run("gan", dataset="ring8"), seed=0, steps_done=0)
    run = tmp_path / "run"
    save_model(model, run / "model")

    main(["eval", str(run), "--samples", "400", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["main"] == "mode_score" and out["higher_is_better"] is True
    assert out["written"] == str(run / "model" / "metrics.json")
    saved = json.loads((run / "model" / "metrics.json").read_text())
    assert saved["mode_score"] == out["metrics"]["mode_score"] and saved["n_samples"] == 400
    card = (run / "model" / "README.md").read_text()
    assert "## Metrics" in card and "mode_score" in card
    assert not [p.name for p in (run / "model").iterdir() if p.name.endswith(".tmp")]

    main(["eval", str(run / "model"), "--samples", "300", "--no-save"])
    text = capsys.readouterr().out
    assert "mode_score" in text and "main metric" in text and "wrote" not in text
    assert json.loads((run / "model" / "metrics.json").read_text())["n_samples"] == 400

    with pytest.raises(SystemExit) as exit_info:
        main(["eval", str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert (
        exit_info.value.code == 1 and err.startswith("ganzoo: error:") and len(err.strip().splitlines()) == 1
    )


def test_evaluate_uses_a_custom_sampler():
    from ganzoo_plugins.nn.datasets import Ring8

    import ganzoo

    model = ganzoo.build(
        "gan", dataset="ring8", overrides={"generator": {"hidden": "8"}, "discriminator": {"hidden": "8"}}
    )
    centers, std = Ring8.modes()
    calls = []

    def perfect(model, n, *, labels=None, codes=None, seed=None):
        calls.append(n)
        return centers[torch.arange(n) % 8] + std * torch.randn(
            n, 2, generator=torch.Generator().manual_seed(0)
        )

    plain = evaluate(model, n_samples=800)
    ranked = evaluate(model, n_samples=800, sampler=perfect)
    assert calls == [800]
    assert ranked.metrics["modes"] == 8 and ranked.metrics["hq"] > 0.95
    assert plain.metrics["modes"] < 8
