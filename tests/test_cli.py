"""The command line as a user meets it: fast start, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

NO_TORCH = """
import sys
from ganzoo.cli import main
sys.argv = ["ganzoo", *{args!r}]
try:
    main()
except SystemExit as e:
    code = e.code
print("TORCH_IMPORTED" if "torch" in sys.modules else "NO_TORCH", file=sys.stderr)
"""


def _run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, **kw)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["list"],
        ["list", "--kind", "loss", "--json"],
        ["info", "gan"],
        ["plugins"],
        ["train", "--help"],
        ["train", "dcgna", "--dataset", "mnist"],
        ["train", "gan", "--dataset", "ring8", "--set", "trainer.lr_q=1"],
    ],
)
def test_listing_help_and_name_errors_do_not_import_torch(args):
    proc = subprocess.run([sys.executable, "-c", NO_TORCH.format(args=args)], capture_output=True, text=True)
    assert "NO_TORCH" in proc.stderr, proc.stderr[-2000:]


def test_list_json_and_info():
    proc = _run("list", "--kind", "loss", "--json")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    assert {"bce", "hinge", "lsgan"} <= {r["name"] for r in rows}
    assert all(r["kind"] == "loss" and r["origin"]["distribution"] == "ganzoo" for r in rows)
    proc = _run("list", "ring*", "--json")
    assert [r["name"] for r in json.loads(proc.stdout)] == ["ring8"]
    proc = _run("info", "gan")
    assert proc.returncode == 0 and "trainer.lr_g" in proc.stdout and "generator.noise_dim" in proc.stdout


def _one_line_error(proc, *fragments):
    assert proc.returncode != 0
    lines = [x for x in proc.stderr.splitlines() if x.strip() and "warning" not in x]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def test_unknown_names_suggest_the_closest():
    _one_line_error(_run("info", "dcgna"), "did you mean", "dcgan")
    _one_line_error(_run("train", "gan", "--dataset", "rign8"), "unknown dataset", "ring8")
    _one_line_error(_run("trian"), "did you mean", "train")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--set", "loss.nope=1"], ["loss.nope"]),
        (["--set", "trainer.lr_d=fast"], ["trainer.lr_d", "float"]),
        (["--set", "lossgp_weight"], ["SECTION.NAME=VALUE"]),
        (["--batch-size", "0"], ["batch_size", ">= 1"]),
        (["--steps", "-5"], ["steps"]),
        (["--loss", "ebgan"], ["energy"]),
    ],
)
def test_bad_train_input_is_one_line_and_writes_nothing(tmp_path, args, fragments):
    out = tmp_path / "run"
    _one_line_error(_run("train", "gan", "--dataset", "ring8", "--out", str(out), *args), *fragments)
    assert not out.exists()


def test_missing_data_and_unwritable_out(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "run"
    _one_line_error(
        _run("train", "gan", "--dataset", "mnist", "--data-dir", str(empty), "--out", str(out)),
        "mnist not found",
        str(empty),
        "--data-dir",
    )
    assert not out.exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _one_line_error(
        _run("train", "gan", "--dataset", "ring8", "--out", str(blocker / "run")), "cannot write", "--out"
    )


def test_train_ring8_from_the_cli(tmp_path):
    out = tmp_path / "run"
    proc = _run(
        "train",
        "gan",
        "--dataset",
        "ring8",
        "--steps",
        "6",
        "--out",
        str(out),
        "--set",
        "generator.hidden=16",
        "--set",
        "discriminator.hidden=16",
        "--set",
        "dataset.n=256",
    )
    assert proc.returncode == 0, proc.stderr
    assert "ganzoo sample" in proc.stdout and str(out) in proc.stdout
    assert (out / "model" / "model.safetensors").is_file()
    again = _run("train", "gan", "--dataset", "ring8", "--out", str(out))
    _one_line_error(again, "--resume")
