"""The 2-D critic map and side-by-side comparisons (issue 9), on tiny nets and synthetic data."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys

import pytest
import torch
from PIL import Image
from torch import nn

import ganzoo
from ganzoo.cli import main
from ganzoo.compare import RECORD_NAME, SESSIONS_NAME, _session_seconds, plan_comparison, run_comparison
from ganzoo.critic_map import critic_grid, plane_bounds, save_critic_map
from ganzoo.engine import TrainingInterrupted
from ganzoo.errors import ConfigError
from ganzoo.model import GanModel
from ganzoo.spec import DataSpec, LatentSpec

POINTS = DataSpec("toy", "points", (2,), ("a", "b"))
TINY = {
    "generator": {"hidden": "8", "noise_dim": 4},
    "discriminator": {"hidden": "8"},
    "dataset": {"n": 256},
    "train": {"batch_size": 16, "log_every": 2, "sample_every": 2, "checkpoint_every": 0},
}
TINY_SETS = [f"{s}.{k}={v}" for s, kv in TINY.items() for k, v in kv.items()]


class Identity(nn.Module):
    def __init__(self, num_classes: int = 0) -> None:
        super().__init__()
        self.latent = LatentSpec(2, num_classes)
        self.w = nn.Parameter(torch.ones(()))

    def forward(self, z, y=None):
        return z * self.w


class Bowl(nn.Module):
    """Known output: score -|x - (label, 0)|², or that as an energy (EBGAN-style) when ``energy``."""

    def __init__(self, energy: bool = False) -> None:
        super().__init__()
        self.energy = energy

    def forward(self, x, y=None):
        centre = torch.zeros_like(x)
        if y is not None:
            centre[:, 0] = y.to(x)
        d = ((x - centre) ** 2).sum(1)
        return {"energy": d} if self.energy else {"score": -d}


def test_critic_grid_is_the_discriminator_score_over_the_plane():
    bounds = (-2.0, 2.0, -1.0, 3.0)
    for energy in (False, True):  # an energy critic is drawn as minus its energy
        xs, ys, s = critic_grid(GanModel(Identity(), Bowl(energy), POINTS), bounds, resolution=9)
        assert xs[0] == -2 and xs[-1] == 2 and ys[0] == -1 and ys[-1] == 3 and s.shape == (9, 9)
        assert torch.allclose(s, -(xs[None, :] ** 2 + ys[:, None] ** 2))
    # a conditional critic is averaged over the labels: mean_k -((x-k)^2 + y^2) for k in {0, 1}
    xs, ys, s = critic_grid(GanModel(Identity(2), Bowl(), POINTS), bounds, resolution=5)
    expected = -(((xs[None, :] ** 2) + (xs[None, :] - 1) ** 2) / 2 + ys[:, None] ** 2)
    assert torch.allclose(s, expected)
    x0, x1, y0, y1 = plane_bounds(torch.tensor([[0.0, 0.0], [2.0, 1.0]]), margin=0.25)
    assert (x0, x1, y0, y1) == (-0.5, 2.5, -1.0, 2.0)  # square, centred, 25% margin on each side


def test_critic_map_refuses_points_that_are_not_2d(tmp_path):
    m = GanModel(Identity(), Bowl(), POINTS)
    with pytest.raises(ValueError, match="2-D points"):
        save_critic_map(m, tmp_path / "c.png", real=torch.zeros(5, 3), fake=torch.zeros(5, 2))
    assert not any(tmp_path.iterdir())


def test_2d_run_writes_critic_maps_sequence_and_card(tmp_path):
    out = tmp_path / "run"
    ganzoo.train("gan", dataset="ring8", steps=6, out=out, overrides=TINY, device="cpu")
    maps = sorted(p.name for p in (out / "samples").glob("critic-*.png"))
    assert maps == ["critic-step-0000002.png", "critic-step-0000004.png", "critic-step-0000006.png"]
    with Image.open(out / "critic-maps.gif") as gif:
        assert gif.n_frames == 3 and gif.info.get("loop") == 0
    with Image.open(out / "critic-maps.png") as tiles, Image.open(out / "samples" / maps[0]) as one:
        assert tiles.width > 2 * min(one.width, 400) and tiles.height < 2 * one.height  # one row of three
    last = (out / "samples" / maps[-1]).read_bytes()
    assert (out / "model" / "critic_map.png").read_bytes() == last
    assert "![Critic map](critic_map.png)" in (out / "model" / "README.md").read_text()


def _write_idx(path, array: torch.Tensor) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.numpy().tobytes())


def test_image_run_writes_no_critic_map(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = torch.randint(0, 256, (16, 28, 28), dtype=torch.uint8)
    for prefix in ("train", "t10k"):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", torch.arange(16, dtype=torch.uint8) % 10)
    out = tmp_path / "run"
    overrides = {**TINY, "dataset": {}, "train": {**TINY["train"], "batch_size": 8}}
    ganzoo.train(
        "gan", dataset="mnist", data_dir=tmp_path, steps=4, out=out, overrides=overrides, device="cpu"
    )
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["step-0000002.png", "step-0000004.png"]
    assert not (out / "critic-maps.gif").exists() and not (out / "critic-maps.png").exists()
    assert (out / "model" / "samples.png").is_file() and not (out / "model" / "critic_map.png").exists()
    assert "critic" not in (out / "model" / "README.md").read_text().lower()


def test_comparison_grid_one_row_per_combination(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "gan", "--dataset", "ring8", "--loss", "bce,hinge", "--seeds", "0,1", "--steps", "3"]
    main(
        [
            *args,
            "--samples",
            "300",
            "--device",
            "cpu",
            "--out",
            str(out),
            *sum((["--set", s] for s in TINY_SETS), []),
        ]
    )
    assert "[4/4] gan_hinge seed 1" in capsys.readouterr().err
    report = json.loads((out / "comparison.json").read_text())
    assert [r["name"] for r in report["rows"]] == ["gan_bce", "gan_hinge"]
    assert report["complete"] and report["kind"] == "points" and report["main"] == "mode_score"
    for row, loss in zip(report["rows"], ("bce", "hinge")):
        assert row["parts"]["loss"] == loss and row["ok"] == row["runs"] == 2 and row["diverged"] == []
        runs = [r for r in report["runs"] if r["combination"] == row["name"]]
        assert [r["seed"] for r in runs] == [0, 1] and all(r["steps"] == 3 for r in runs)
        modes = [r["metrics"]["modes"] for r in runs]
        assert row["metrics"]["modes"]["mean"] == pytest.approx(sum(modes) / 2)
        assert row["metrics"]["modes"]["std"] == pytest.approx(abs(modes[0] - modes[1]) / 2**0.5)
        assert (out / row["sheet"]).is_file() and (out / f"{row['name']}-seed1" / "model").is_dir()
    b = report["budget"]
    assert b["steps"] == 3 and b["batch_size"] == 16 and b["runs"] == 4 and b["machine"]["device"] == "cpu"
    assert "--loss bce,hinge" in report["command"]
    md = (out / "comparison.md").read_text()
    table = [line for line in md.splitlines() if line.startswith("| gan_") or line.startswith("| **gan_")]
    assert len(table) == 2 and "3 steps at batch size 16" in md
    assert "mode_score ↑" in md and "hq ↑" in md and "2/2" in table[0]


def test_settings_reach_only_the_components_that_have_them():
    combos = plan_comparison(
        "gan", dataset="ring8", losses=["bce", "wgan-gp"], overrides=["loss.gp_weight=5", *TINY_SETS]
    )
    bce, gp = combos
    assert "loss" not in bce.overrides and gp.spec.parts["loss"].params["gp_weight"] == 5
    assert bce.spec.parts["generator"].params["hidden"] == gp.spec.parts["generator"].params["hidden"] == "8"
    with pytest.raises(
        ConfigError, match="no combination has the setting loss.gp_wieght; did you mean loss.gp_weight"
    ):
        plan_comparison("gan", dataset="ring8", losses=["bce", "wgan-gp"], overrides=["loss.gp_wieght=5"])


def test_refused_combination_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "cmp"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ganzoo",
            "compare",
            "gan",
            "-d",
            "ring8",
            "--loss",
            "bce,acgan",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert "combination gan_acgan" in lines[0] and "class-head" in lines[0] and "Traceback" not in proc.stderr
    assert not out.exists()


def test_compare_help_does_not_import_torch():
    code = (
        "import sys\nfrom ganzoo.cli import main\nsys.argv = ['ganzoo', 'compare', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO_TORCH', file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "NO_TORCH" in proc.stderr and "--loss" in proc.stdout


def test_interrupted_comparison_resumes_and_divergence_is_a_result(tmp_path):
    out = tmp_path / "cmp"

    def interrupt(engine, step, line):
        if step == 2:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted):  # the first run of the comparison, stopped half-way
        ganzoo.train(
            "gan", dataset="ring8", loss="bce", steps=4, seed=0, out=out / "gan_bce-seed0",
            overrides=TINY, device="cpu", callbacks=[interrupt],
        )  # fmt: skip
    kw = dict(dataset="ring8", out=out, losses="bce", seeds="0", steps=4, overrides=TINY_SETS, samples=100)
    result = run_comparison("gan", device="cpu", **kw)
    (run,) = result.runs
    assert run.status == "ok" and run.resumed and run.steps == 4
    assert json.loads((out / "gan_bce-seed0" / SESSIONS_NAME).read_text()) == [2]  # resumed at step 2
    assert run.seconds == _session_seconds(out / "gan_bce-seed0") > 0
    assert json.loads((out / "gan_bce-seed0" / "config.json").read_text())["train"]["steps_done"] == 4
    again = run_comparison("gan", device="cpu", **kw)  # finished runs are kept, not trained again
    assert again.runs[0].metrics == run.metrics
    with pytest.raises(ConfigError, match="other settings"):
        run_comparison("gan", device="cpu", **{**kw, "steps": 5})

    diverge = [*TINY_SETS, "trainer.optimizer=rmsprop", "trainer.lr_d=1e30", "trainer.lr_g=1e30"]
    result = run_comparison("gan", device="cpu", **{**kw, "out": tmp_path / "div", "overrides": diverge})
    (row,) = result.rows
    assert row["diverged"] == [0] and row["ok"] == 0 and row["sheet"] is None
    assert json.loads((tmp_path / "div" / "gan_bce-seed0" / RECORD_NAME).read_text())["status"] == "diverged"
    assert "diverged: seed 0" in (tmp_path / "div" / "comparison.md").read_text()


def test_training_time_of_a_resumed_run_adds_its_sessions(tmp_path):
    lines = [
        {"step": 2, "time": 1.0},
        {"step": 4, "time": 2.0},  # session 0, checkpoint at 4, then stopped
        {"step": 4, "eval": {}, "main": "mode_score"},
        {"step": 6, "time": 2.5},  # session 1 (its clock restarted) ...
        {"step": 8, "time": 3.5},  # ... stopped after checkpoint 8
        {"step": 10, "time": 0.25},  # session 2
    ]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (tmp_path / SESSIONS_NAME).write_text("[4, 8]")
    assert _session_seconds(tmp_path) == 2.0 + 3.5 + 0.25
