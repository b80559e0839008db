"""benchmarks/time_to_quality.py end to end on a synthetic MNIST-shaped dataset (no real MNIST, no timings
asserted): the real FD evaluation with a domain classifier trained on toy digits in a temporary cache, the
stop rule and the grid with an injected evaluator, an interrupted run keeping its finished families."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
from pathlib import Path

import pytest
import torch

from ganzoo.components import Component
from ganzoo.data import TensorData
from ganzoo.registry import Registry
from ganzoo.spec import DataSpec

ROOT = Path(__file__).resolve().parents[1]
SPEC = DataSpec("ttqdigits", "images", (1, 28, 28), tuple(str(i) for i in range(10)))


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "time_to_quality", ROOT / "benchmarks" / "time_to_quality.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


ttq = _load_script()


class ToyDigits:
    """MNIST-shaped uint8 digits: class k is a bright 6x6 square in cell k of a 3x4 grid, noisy."""

    @staticmethod
    def spec(data_dir=None) -> DataSpec:
        return SPEC

    @staticmethod
    def load(split: str = "train", data_dir=None, download: bool = False) -> TensorData:
        n, seed = (1200, 1) if split == "train" else (600, 2)
        gen = torch.Generator().manual_seed(seed)
        y = torch.randint(0, 10, (n,), generator=gen)
        ar = torch.arange(28)
        top, left = (y // 4) * 9 + 2, (y % 4) * 7 + 1
        rows = (ar >= top[:, None]) & (ar < top[:, None] + 6)
        cols = (ar >= left[:, None]) & (ar < left[:, None] + 6)
        img = (rows[:, :, None] & cols[:, None, :]).float() * 200 + 15 * torch.randn(n, 28, 28, generator=gen)
        return TensorData(SPEC, img.clamp(0, 255).to(torch.uint8).unsqueeze(1), y)


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """The installed plugins plus the toy dataset, the classifier cache in tmp, one thread for every arm."""
    import ganzoo.registry
    from ganzoo.metrics.evaluate import _REFERENCES

    monkeypatch.setenv("GANZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    reg = Registry.discover()
    reg.add(
        Component(
            "ttqdigits",
            "dataset",
            "toy digits",
            factory=f"{__name__}:ToyDigits",
            provides={"images", "labels"},
        )
    )
    monkeypatch.setattr(ganzoo.registry, "_REGISTRY", reg)
    yield tmp_path
    torch.set_num_threads(threads)
    _REFERENCES.clear()


FAST = ["--dataset", "ttqdigits", "--data-dir", "unused", "--samples", "200", "--write-docs"]


def test_real_fd_conditional_family(toy):
    docs = toy / "docs"
    argv = FAST + ["--families", "cgan", "--eval-seconds", "0.5", "--budget-minutes", "0.02"]
    assert ttq.main(argv + ["--docs", str(docs), "--target-fd", "-1"]) == 0  # never reached: budget ends
    raw = json.loads((docs / "time_to_quality.json").read_text())
    assert list(raw["families"]) == ["cgan"]
    for e in raw["families"].values():
        assert e["fd_floor"] >= 0 and e["target_fd"] == -1
        for arm in ("ganzoo", "reference"):
            a = e["arms"][arm]
            curve = a["curve"]
            assert curve[0]["steps"] == 0 and curve[0]["at"] == 0  # the untrained nets first
            assert curve[-1]["seconds"] >= 1.2 and curve[-1]["steps"] > 0  # the budget ended it
            assert [p["steps"] for p in curve] == sorted(p["steps"] for p in curve)
            assert all(p["fd"] > 0 for p in curve) and a["time_to_target"] is None
            assert a["final_fd"] == curve[-1]["fd"] and a["threads"] == 1
        assert "reference" in e["arms"] and e["arms"]["ganzoo"]["optimizer"] == "Adam (fused)"
    page = (docs / "time_to_quality.md").read_text()
    assert "| cgan | ≤ -1 | not reached in 0.02 min | not reached in 0.02 min | **—** |" in page
    assert "### cgan" in page and "`ttqdigits` dataset" in page
    (docs / "time_to_quality.md").unlink()
    assert ttq.main(["--report-only", "--docs", str(docs)]) == 0
    assert (docs / "time_to_quality.md").read_text() == page


def test_reference_arm_uses_reference_widths(toy):
    assert "width=32" in ttq.nets_of(ttq.arm_spec("dcgan", "ttqdigits", reference=False))
    assert "width=64" in ttq.nets_of(ttq.arm_spec("dcgan", "ttqdigits", reference=True))
    assert ttq.nets_of(ttq.arm_spec("gan", "ttqdigits", True)) == ttq.nets_of(
        ttq.arm_spec("gan", "ttqdigits", False)
    )


class FakeFD:
    """FD 100 for untrained nets, then 10: the target is met at the first grid point after 0 s.
    ``kill_at``: the call that sends this process SIGTERM (as a user's Ctrl-C would arrive)."""

    def __init__(self, kill_at: int | None = None) -> None:
        self.calls, self.kill_at = 0, kill_at

    def __call__(self, model) -> dict[str, float]:
        self.calls += 1
        if self.calls == self.kill_at:
            os.kill(os.getpid(), signal.SIGTERM)
        return {"fd": 100.0 if self.calls % 2 else 10.0, "fd_floor": 1.0}


def test_target_reached_on_the_grid(toy):
    docs = toy / "docs"
    argv = FAST + ["--families", "gan", "--eval-seconds", "0.3", "--budget-minutes", "1", "--docs", str(docs)]
    assert ttq.main(argv, evaluate=FakeFD()) == 0
    e = json.loads((docs / "time_to_quality.json").read_text())["families"]["gan"]
    for a in e["arms"].values():
        assert [p["fd"] for p in a["curve"]] == [100.0, 10.0]
        assert 0.3 <= a["time_to_target"] < 30 and a["curve"][1]["at"] == 0.3 and a["steps"] > 0
    assert ttq.ratio(e).endswith("×")


def test_page_flags_other_work_by_the_tasks_running_when_arms_start(toy, monkeypatch):
    docs = toy / "docs"
    argv = FAST + ["--families", "gan", "--eval-seconds", "0.3", "--budget-minutes", "1", "--docs", str(docs)]
    monkeypatch.setattr(ttq, "busy_cores", lambda: 0.0)
    assert ttq.main(argv, evaluate=FakeFD()) == 0
    e = json.loads((docs / "time_to_quality.json").read_text())["families"]["gan"]
    assert [a["busy_before"] for a in e["arms"].values()] == [0.0, 0.0]
    page = (docs / "time_to_quality.md").read_text()
    assert "no other task held a core when any arm started" in page and "shared with other work" not in page
    monkeypatch.setattr(ttq, "busy_cores", lambda: 64.0)  # another job on every core
    assert ttq.main(argv, evaluate=FakeFD()) == 0
    assert (
        "**the machine was shared with other work during some arms**"
        in (docs / "time_to_quality.md").read_text()
    )


def test_interrupt_keeps_finished_families(toy):
    docs = toy / "docs"
    argv = FAST + ["--families", "gan,cgan", "--eval-seconds", "0.3", "--budget-minutes", "1"]
    # calls 1-4: gan's two arms; call 6: cgan's ganzoo arm, inside the engine's step callback
    before = signal.getsignal(signal.SIGTERM)
    assert ttq.main(argv + ["--docs", str(docs)], evaluate=FakeFD(kill_at=6)) == 130
    raw = json.loads((docs / "time_to_quality.json").read_text())
    assert list(raw["families"]) == ["gan"]  # cgan was interrupted: not kept
    assert "| gan |" in (docs / "time_to_quality.md").read_text()
    assert signal.getsignal(signal.SIGTERM) is before


def test_nav_added_once_after_the_speed_page(tmp_path):
    mk = tmp_path / "mkdocs.yml"
    mk.write_text("nav:\n  - Speed benchmark: benchmarks/speed.md\n  - Comparisons: comparisons.md\n")
    assert ttq.ensure_nav(mk) and not ttq.ensure_nav(mk)
    assert mk.read_text().splitlines()[2] == ttq.NAV_LINE
