"""The training engine: run folder, exact resume, divergence guard, distributed-free basics."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch
from safetensors.torch import load_file

import ganzoo
from ganzoo.checkpoint import latest_checkpoint, load_checkpoint, pack, unpack
from ganzoo.data import Batcher, TensorData
from ganzoo.engine import TrainingInterrupted
from ganzoo.errors import TrainingError
from ganzoo.spec import DataSpec

TINY = {
    "generator": {"hidden": "32,32", "noise_dim": 8},
    "discriminator": {"hidden": "32,32"},
    "dataset": {"n": 512},
    "train": {"batch_size": 32, "log_every": 5, "sample_every": 10, "checkpoint_every": 10},
}


def _train(out, steps=20, **kw):
    return ganzoo.train(
        "gan", dataset="ring8", steps=steps, out=out, overrides=TINY, device="cpu", seed=3, **kw
    )


def test_run_folder_holds_everything(tmp_path):
    out = tmp_path / "run"
    model = _train(out, steps=20)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["family"] == "gan" and cfg["schema_version"] == 1
    assert cfg["components"]["generator"]["name"] == "mlp"
    assert cfg["components"]["loss"]["distribution"] == "ganzoo"
    assert cfg["data"]["shape"] == [2] and len(cfg["data"]["classes"]) == 8
    assert cfg["train"]["seed"] == 3 and cfg["train"]["steps_done"] == 20
    assert cfg["ganzoo_version"] == ganzoo.__version__
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [5, 10, 15, 20]
    assert all(torch.isfinite(torch.tensor([x["d_loss"], x["g_loss"]])).all() for x in lines)
    assert (out / "samples" / "step-0000010.png").is_file() and (
        out / "samples" / "step-0000020.png"
    ).is_file()
    assert (out / "loss.png").stat().st_size > 0
    assert latest_checkpoint(out).name == "step-0000020"
    for name in ("model.safetensors", "config.json", "README.md"):
        assert (out / "model" / name).is_file()
    weights = load_file(str(out / "model" / "model.safetensors"))
    assert any(k.startswith("generator.") for k in weights) and any(
        k.startswith("discriminator.") for k in weights
    )
    pts = model.sample(16, seed=0)
    assert pts.shape == (16, 2) and torch.equal(pts, model.sample(16, seed=0))


def test_interrupted_and_resumed_equals_uninterrupted(tmp_path):
    straight = _train(tmp_path / "a", steps=23)

    def interrupt(engine, step, line):
        if step == 7:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted, match="step 7"):
        _train(tmp_path / "b", steps=23, callbacks=[interrupt])
    assert latest_checkpoint(tmp_path / "b").name == "step-0000007"
    assert not (tmp_path / "b" / "model").exists()
    resumed = ganzoo.train(resume=tmp_path / "b", device="cpu")
    a, b = straight.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    steps = [json.loads(x)["step"] for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [5, 10, 15, 20, 23]


def test_linear_lr_decay_follows_the_schedule_and_survives_a_resume(tmp_path):
    decay = {**TINY, "train": {**TINY["train"], "lr_decay": "linear"}}
    seen: dict[int, float] = {}

    def watch(engine, step, line):
        seen[step] = engine.trainer.opt_g.param_groups[0]["lr"]
        if step == 7 and "stop" in engine.run_dir.name:
            os.kill(os.getpid(), signal.SIGINT)

    kw = dict(dataset="ring8", steps=20, overrides=decay, device="cpu", seed=3)
    straight = ganzoo.train("gan", out=tmp_path / "a", callbacks=[watch], **kw)
    lr0 = 2e-4  # the gan family's lr_g
    assert seen[1] == pytest.approx(lr0) and seen[20] == pytest.approx(lr0 / 20)
    assert seen[11] == pytest.approx(lr0 * (1 - 10 / 20))
    with pytest.raises(TrainingInterrupted):
        ganzoo.train("gan", out=tmp_path / "stop", callbacks=[watch], **kw)
    resumed = ganzoo.train(resume=tmp_path / "stop", device="cpu")
    for k, v in straight.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k


def test_lr_decay_needs_a_trainer_that_lists_its_optimizers(tmp_path, monkeypatch):
    from ganzoo_plugins.nn.trainers import AlternatingTrainer

    from ganzoo.errors import ConfigError

    monkeypatch.delattr(AlternatingTrainer, "optimizers")
    decay = {**TINY, "train": {**TINY["train"], "lr_decay": "linear"}}
    with pytest.raises(ConfigError, match=r"lr_decay needs a trainer.*'alternating'"):
        ganzoo.train("gan", dataset="ring8", steps=2, overrides=decay, device="cpu", out=tmp_path / "r")


def test_lr_decay_reaches_every_lapgan_level(tmp_path):
    from PIL import Image

    (tmp_path / "imgs" / "a").mkdir(parents=True)
    for i in range(4):
        Image.new("L", (16, 16), 60 * i).save(tmp_path / "imgs" / "a" / f"{i}.png")
    seen: dict[int, list[float]] = {}

    def watch(engine, step, line):
        seen[step] = [o.param_groups[0]["lr"] for o in engine.trainer.optimizers()]

    ganzoo.train(
        "lapgan",
        dataset="folder",
        data_dir=tmp_path / "imgs",
        steps=4,
        out=tmp_path / "run",
        device="cpu",
        callbacks=[watch],
        overrides={
            "dataset": {"size": 16, "channels": 1},
            "generator": {"width": 4, "hidden": "16"},
            "discriminator": {"width": 4, "hidden": "16"},
            "trainer": {"lr_g": 4e-4, "lr_d": 4e-4},
            "train": {"batch_size": 4, "lr_decay": "linear", "log_every": 1},
        },
    )
    assert len(seen[4]) == 6  # three levels, a generator and a discriminator optimiser each
    assert seen[1] == pytest.approx([4e-4] * 6) and seen[4] == pytest.approx([1e-4] * 6)


def test_divergence_stops_and_keeps_last_good_checkpoint(tmp_path):
    def poison(engine, step, line):
        if step == 12:
            with torch.no_grad():
                next(engine.model.discriminator.parameters()).fill_(float("nan"))

    with pytest.raises(TrainingError, match="diverged.*step 15.*step 10"):
        _train(tmp_path / "run", steps=30, callbacks=[poison])
    ckpt = latest_checkpoint(tmp_path / "run")
    assert ckpt.name == "step-0000010"
    step, nets, _ = load_checkpoint(ckpt)
    assert step == 10 and all(torch.isfinite(v).all() for v in nets.values() if v.is_floating_point())


def test_pack_roundtrip_of_optimizer_state():
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), betas=(0.5, 0.9))
    net(torch.randn(4, 3)).sum().backward()
    opt.step()
    tensors: dict[str, torch.Tensor] = {}
    skeleton = json.loads(json.dumps(pack(opt.state_dict(), tensors)))
    restored = unpack(skeleton, tensors)
    assert restored["param_groups"][0]["betas"] == (0.5, 0.9)
    assert torch.equal(restored["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])
    opt2 = torch.optim.Adam(net.parameters())
    opt2.load_state_dict(restored)
    with pytest.raises(TypeError, match="without pickle"):
        pack({"x": object()}, {})


def test_batcher_shards_and_resumes():
    spec = DataSpec("toy", "images", (1, 2, 2), ("a", "b"))
    data = TensorData(spec, torch.arange(40, dtype=torch.uint8).view(10, 1, 2, 2), torch.arange(10) % 2)
    r0, r1 = Batcher(data, 2, seed=1, rank=0, world_size=2), Batcher(data, 2, seed=1, rank=1, world_size=2)
    seen = torch.cat([r0().x, r0().x, r1().x, r1().x]).view(8, -1)[:, 0]
    assert len(set(seen.tolist())) == 8  # disjoint shards of the same permutation
    b = Batcher(data, 3, seed=5)
    b()
    state = b.state_dict()
    after = [b().x for _ in range(5)]
    c = Batcher(data, 3, seed=99)
    c.load_state_dict(state)
    assert all(torch.equal(x, c().x) for x in after)
    x = b().x
    assert x.min() >= -1 and x.max() <= 1 and x.dtype == torch.float32


def test_lapgan_run_writes_level_sheets_and_samples_levels(tmp_path):
    from PIL import Image

    from ganzoo.cli import main

    for cls in ("a", "b"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(4):
            Image.new("L", (16, 16), 40 * i).save(tmp_path / "imgs" / cls / f"{i}.png")
    out = tmp_path / "run"
    model = ganzoo.train(
        "lapgan",
        dataset="folder",
        data_dir=tmp_path / "imgs",
        steps=2,
        out=out,
        device="cpu",
        overrides={
            "dataset": {"size": 16, "channels": 1},
            "generator": {"width": 4, "hidden": "16"},
            "discriminator": {"width": 4, "hidden": "16"},
            "train": {"batch_size": 4},
        },
    )
    assert (out / "samples" / "levels-step-0000002.png").is_file()
    sheet = model.sample_levels(3, seed=1)
    assert sheet.shape == (5 * 3, 1, 16, 16)  # coarse, then residual and image for two finer levels
    assert torch.equal(sheet[-3:], model.sample(3, seed=1))
    main(["sample", str(out), "-n", "4", "--levels", "--seed", "0", "-o", str(tmp_path / "levels.png")])
    assert Image.open(tmp_path / "levels.png").size == (4 * 18 + 2, 5 * 18 + 2)  # 4 columns, 5 rows


def test_eval_every_keeps_the_best_model(tmp_path):
    from ganzoo.modelio import load

    def collapse(engine, step, line):
        if step == 6:  # after the step-5 evaluation the generator collapses to one point
            with torch.no_grad():
                for p in engine.model.generator.parameters():
                    p.zero_()

    out = tmp_path / "run"
    final = ganzoo.train(
        "gan",
        dataset="ring8",
        steps=10,
        out=out,
        overrides={**TINY, "train": {**TINY["train"], "eval_every": 5}},
        device="cpu",
        seed=3,
        callbacks=[collapse],
    )
    evals = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines() if '"eval"' in x]
    assert [e["step"] for e in evals] == [5, 10] and evals[0]["main"] == "mode_score"
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["run"]["best"]["step"] == 5
    kept = load(str(out / "model"))
    assert json.loads((out / "model" / "metrics.json").read_text())["main"] == "mode_score"
    assert not torch.equal(kept.sample(8, seed=0), final.sample(8, seed=0))
    assert kept.config["train"]["steps_done"] == 5


def test_sync_bn_is_refused_on_the_cpu(tmp_path):
    from ganzoo.errors import ConfigError

    with pytest.raises(ConfigError, match="sync_bn needs CUDA"):
        ganzoo.train(
            "gan",
            dataset="ring8",
            steps=1,
            save=False,
            device="cpu",
            overrides={**TINY, "train": {"sync_bn": True}},
        )


def test_auto_threads_leave_busy_cores_alone(monkeypatch, tmp_path):
    from ganzoo import devices

    stat = tmp_path / "stat"
    monkeypatch.setattr(devices, "PROC_STAT", str(stat))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    # a job that just ended still weighs on the load average; the live count says the cores are free
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 0.0, 0.0))
    stat.write_text("cpu  1 2 3\nprocs_running 1\nprocs_blocked 0\n")  # only this process runs
    assert devices.cpu_threads(0) == 4
    stat.write_text("procs_running 3\n")  # two other runnable tasks
    assert devices.cpu_threads(0) == 2
    stat.write_text("procs_running 12\n")
    assert devices.cpu_threads(0) == 1  # never fewer than one
    stat.unlink()  # no /proc (not Linux): fall back to the load average
    monkeypatch.setattr(os, "getloadavg", lambda: (1.2, 0.0, 0.0))
    assert devices.cpu_threads(0) == 3
    assert devices.cpu_threads(5) == 5  # an explicit choice wins
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert devices.cpu_threads(0) is None  # the user already chose


def test_run_sets_threads_and_restores_them(tmp_path):
    before = torch.get_num_threads()
    other = 1 if before != 1 else 2
    seen = []
    overrides = {**TINY, "train": {**TINY["train"], "threads": other}}
    ganzoo.train(
        "gan",
        dataset="ring8",
        steps=2,
        overrides=overrides,
        device="cpu",
        out=tmp_path / "r",
        callbacks=[lambda engine, step, line: seen.append(torch.get_num_threads())],
    )
    assert seen == [other, other] and torch.get_num_threads() == before
    assert json.loads((tmp_path / "r" / "config.json").read_text())["run"]["threads"] == other
