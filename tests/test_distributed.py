"""torchrun with two CPU processes (gloo): DDP keeps the ranks identical and only rank 0 writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from test_registry import _write_idx

FAMILIES = ["dcgan", "acgan", "infogan", "wgan-gp", "wgan", "lapgan"]


def test_torchrun_two_cpu_processes(tmp_path):
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8, generator=gen)
    labels = torch.arange(64, dtype=torch.uint8) % 10
    for prefix in ("train", "t10k"):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    out = tmp_path / "runs"
    worker = Path(__file__).with_name("ddp_worker.py")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node=2",
        str(worker),
        str(tmp_path / "data"),
        str(out),
        ",".join(FAMILIES),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=280)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for family in FAMILIES:
        r0 = load_file(str(out / f"{family}-rank0.safetensors"))
        r1 = load_file(str(out / f"{family}-rank1.safetensors"))
        assert r0.keys() == r1.keys()
        for k in r0:
            assert torch.equal(r0[k], r1[k]), f"{family}: {k} differs between ranks"
        run = out / family
        lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
        assert [x["step"] for x in lines] == [1, 2, 3]  # written once, by rank 0
        assert all(abs(x["d_loss"]) < 1e6 and abs(x["g_loss"]) < 1e6 for x in lines)
        assert lines[-1]["images"] == 3 * 8 * 2 * (5 if family in ("wgan-gp", "wgan") else 1)
        cfg = json.loads((run / "config.json").read_text())
        assert cfg["run"]["world_size"] == 2
        assert (run / "model" / "model.safetensors").is_file()
        # the model rank 0 saved is the model every rank holds
        saved = load_file(str(run / "model" / "model.safetensors"))
        assert all(torch.equal(saved[k], r0[k]) for k in saved)
    r0 = load_file(str(out / "dcgan-resumed-rank0.safetensors"))
    r1 = load_file(str(out / "dcgan-resumed-rank1.safetensors"))
    assert all(torch.equal(r0[k], r1[k]) for k in r0)
    lines = [json.loads(x) for x in (out / "dcgan-resumed" / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [1, 2, 3, 4, 5]
    assert json.loads((out / "dcgan-resumed" / "config.json").read_text())["train"]["steps_done"] == 5


def test_nproc_hands_over_to_torchrun(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "ganzoo",
        "train",
        "gan",
        "--dataset",
        "ring8",
        "--nproc",
        "2",
        "--steps",
        "2",
        "--set",
        "dataset.n=256",
        "--set",
        "generator.hidden=8",
        "--set",
        "discriminator.hidden=8",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / "config.json").read_text())["run"]["world_size"] == 2
    assert (out / "model" / "model.safetensors").is_file()


def test_ctrl_c_stops_every_rank_with_a_checkpoint(tmp_path):
    import signal
    import time

    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node=2",
        "-m",
        "ganzoo",
        "train",
        "gan",
        "--dataset",
        "ring8",
        "--steps",
        "1000000",
        "--set",
        "dataset.n=256",
        "--set",
        "generator.hidden=8",
        "--set",
        "discriminator.hidden=8",
        "--set",
        "train.log_every=5",
        "--device",
        "cpu",
        "--quiet",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 150
        while not (out / "metrics.jsonl").is_file() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert (out / "metrics.jsonl").is_file(), "training never logged"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "stopped by SIG" in stderr and "--resume" in stderr
    from ganzoo.checkpoint import latest_checkpoint, load_checkpoint

    step, _, _ = load_checkpoint(latest_checkpoint(out))
    assert 0 < step < 1_000_000 and step % 5 == 0  # the ranks agreed at a logging step
