"""Third-party plugins as a user meets them: installed by pip or present as a bare ``*.dist-info``,
found through ``importlib.metadata`` in a fresh process, broken, clashing or blocked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ganzoo-example-plugin"


def _env(*paths: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GANZOO_BLOCK_PLUGINS", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    env.update(extra)
    return env


def _ganzoo(*args: str, paths: tuple[Path, ...] = (), **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ganzoo", *args],
        capture_output=True,
        text=True,
        env=_env(*paths, **extra),
        timeout=240,
    )


def _json(proc: subprocess.CompletedProcess) -> list[dict]:
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def write_dist(
    root: Path, name: str, version: str, entry_points: dict[str, str], modules: dict[str, str]
) -> None:
    """A minimal installed distribution: ``*.dist-info`` with METADATA and entry_points.txt, plus modules."""
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = "".join(f"{ep} = {module}\n" for ep, module in entry_points.items())
    (info / "entry_points.txt").write_text(f"[ganzoo]\n{lines}")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source)


LOSS_PLUGIN = """
from ganzoo import Component, hookimpl

@hookimpl
def register_components(register):
    for name in {names!r}:
        register(Component(name, "loss", {description!r}, factory="ganzoo_plugins.nn.losses:HingeLoss",
                           needs={{"score"}}))
"""


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    """The example plugin installed by pip into its own folder, as ``pip install`` would for a user."""
    tmp = tmp_path_factory.mktemp("example")
    source = tmp / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = tmp / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--target", str(site)]
        + ["--quiet", str(source)],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list(site.glob("ganzoo_example_plugin-0.1.0.dist-info/entry_points.txt"))
    return site


def test_installed_example_plugin_is_listed_with_its_origin(example_site):
    rows = {(r["kind"], r["name"]): r for r in _json(_ganzoo("list", "--json", paths=(example_site,)))}
    origin = {"distribution": "ganzoo-example-plugin", "version": "0.1.0"}
    assert rows[("loss", "rsgan")]["origin"] == origin
    assert rows[("loss", "rsgan")]["needs"] == ["score"]
    assert rows[("dataset", "spiral")]["origin"] == origin
    assert rows[("dataset", "spiral")]["provides"] == ["labels", "points"]
    assert rows[("family", "gan")]["origin"]["distribution"] == "ganzoo"  # the built-ins are still there
    plugins = _json(_ganzoo("plugins", "--json", paths=(example_site,)))
    (example,) = [p for p in plugins if p["distribution"] == "ganzoo-example-plugin"]
    assert example["status"] == "loaded" and example["hooks"] == ["register_components"]
    assert sorted(example["components"]) == ["dataset:spiral", "loss:rsgan"]
    # without the folder on the path the plugin is gone: nothing leaks in from the source tree
    names = {r["name"] for r in _json(_ganzoo("list", "--json"))}
    assert "rsgan" not in names and "spiral" not in names


def test_example_registration_does_not_import_torch(example_site):
    code = (
        "import sys; from ganzoo.registry import get_registry; reg = get_registry();"
        "assert ('loss', 'rsgan') in reg and ('dataset', 'spiral') in reg;"
        "print('torch' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(example_site)
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stderr[-2000:]


def test_example_components_train_in_a_combination(example_site, tmp_path):
    run = tmp_path / "run"
    proc = _ganzoo(
        "train", "gan", "--dataset", "spiral", "--loss", "rsgan", "--steps", "5", "--batch-size", "32",
        "--set", "generator.hidden=16", "--set", "discriminator.hidden=16", "--set", "dataset.n=512",
        "--set", "dataset.arms=3", "--set", "loss.average=true", "--quiet", "--out", str(run),
        paths=(example_site,),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["components"]["loss"] == {
        "name": "rsgan",
        "distribution": "ganzoo-example-plugin",
        "version": "0.1.0",
        "params": {"average": True},
    }
    assert cfg["dataset"]["name"] == "spiral" and cfg["train"]["steps_done"] == 5
    assert (run / "model" / "model.safetensors").is_file()
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert lines[-1]["step"] == 5 and "d_loss" in lines[-1] and "g_loss" in lines[-1]


@pytest.fixture
def example_module(monkeypatch):
    """The example's implementation imported in-process from the source tree."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import ganzoo_example_plugin.impl as impl

    return impl


def test_relativistic_loss_formulas(example_module):
    import torch
    import torch.nn.functional as F

    from ganzoo.data import Batch
    from ganzoo.latent import Latent

    real_x, fake_x = torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([[0.5], [-1.0], [0.0]])
    D = lambda x, y=None: {"score": x[:, 0]}  # noqa: E731 - the score is the input itself
    lat = Latent(torch.zeros(3, 1), None, None, None)
    real = Batch(real_x, None)
    rs = example_module.RelativisticLoss()
    d_loss, logs = rs.discriminator(D, real, fake_x, lat)
    torch.testing.assert_close(d_loss, F.softplus(-(real_x - fake_x)[:, 0]).mean())
    torch.testing.assert_close(logs["d_real"], torch.tensor(2.0))
    g_loss, _ = rs.generator(D, fake_x, lat, real)
    torch.testing.assert_close(g_loss, F.softplus(-(fake_x - real_x)[:, 0]).mean())
    ra = example_module.RelativisticLoss(average=True)
    d_avg, _ = ra.discriminator(D, real, fake_x, lat)
    expected = (
        F.softplus(-(real_x[:, 0] - fake_x.mean())).mean() + F.softplus(fake_x[:, 0] - real_x.mean()).mean()
    )
    torch.testing.assert_close(d_avg, expected)
    # the generator's gradient pushes fake scores up, and no gradient reaches the real scores
    fake = fake_x.clone().requires_grad_(True)
    real_req = Batch(real_x.clone().requires_grad_(True), None)
    ra.generator(D, fake, lat, real_req)[0].backward()
    assert (fake.grad < 0).all() and real_req.x.grad is None


def test_spiral_points_labels_and_seed(example_module):
    import torch

    Spiral = example_module.Spiral
    spec = Spiral.spec(arms=3, n=10)
    assert (spec.kind, spec.shape, spec.classes) == ("points", (2,), ("arm0", "arm1", "arm2"))
    data = Spiral.load("train", None, False, arms=3, radius=2.0, noise=0.0, n=600, seed=1)
    assert data.x.shape == (600, 2) and data.x.dtype == torch.float32 and data.spec == spec
    assert set(data.y.tolist()) == {0, 1, 2}
    assert data.x.norm(dim=1).max() <= 2.0 + 1e-5
    torch.testing.assert_close(Spiral.load(arms=3, n=600, seed=1).x, Spiral.load(arms=3, n=600, seed=1).x)
    assert not torch.equal(Spiral.load("test", arms=3, n=600, seed=1).x, Spiral.load(arms=3, n=600, seed=1).x)
    # with no noise, the arms do not overlap: the same radius on two arms means two different angles
    r, angle = data.x.norm(dim=1), torch.atan2(data.x[:, 1], data.x[:, 0])
    turns_done = r / 2.0 * 1.5 * 2 * torch.pi
    arm = torch.round(((angle - turns_done) % (2 * torch.pi)) / (2 * torch.pi / 3)) % 3
    assert torch.equal(arm.long(), data.y)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("raise RuntimeError('boom: libfoo.so not found')\n", "RuntimeError: boom: libfoo.so not found"),
        (
            "from ganzoo import hookimpl\n\n@hookimpl\ndef register_components(register):\n"
            "    register('not a component')\n",
            "TypeError: register() takes a ganzoo.Component, got str",
        ),
    ],
    ids=["import-fails", "register-fails"],
)
def test_broken_plugin_leaves_the_cli_working(tmp_path, source, error):
    write_dist(
        tmp_path, "broken-plugin", "1.2.3", {"broken": "broken_plugin_mod"}, {"broken_plugin_mod": source}
    )
    proc = _ganzoo("list", paths=(tmp_path,))
    assert proc.returncode == 0, proc.stderr
    assert "dcgan" in proc.stdout and "bce" in proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ganzoo: warning:") and "broken-plugin 1.2.3" in lines[0] and error in lines[0]
    assert "Traceback" not in proc.stderr
    plugins = _json(_ganzoo("plugins", "--json", paths=(tmp_path,)))
    (broken,) = [p for p in plugins if p["distribution"] == "broken-plugin"]
    assert broken["status"] == "failed" and broken["error"] == error and broken["components"] == []
    assert all(p["status"] == "loaded" for p in plugins if p["distribution"] == "ganzoo")
    table = _ganzoo("plugins", paths=(tmp_path,), COLUMNS="250")
    assert table.returncode == 0 and f"failed: {error}" in table.stdout, table.stdout


@pytest.fixture
def clashing(tmp_path) -> tuple[Path, Path]:
    """Two distributions that both register loss ``dupe``; one also claims the built-in ``bce``.

    The later distribution by name ("zzz-dup") comes first on the path, so only the documented sort
    order, not the path order, can make "aaa-dup" win.
    """
    first_on_path, second_on_path = tmp_path / "p1", tmp_path / "p2"
    write_dist(
        first_on_path, "zzz-dup", "2.0", {"zdup": "zzz_dup"},
        {"zzz_dup": LOSS_PLUGIN.format(names=["dupe"], description="dupe from zzz")},
    )  # fmt: skip
    write_dist(
        second_on_path, "aaa-dup", "1.0", {"adup": "aaa_dup"},
        {"aaa_dup": LOSS_PLUGIN.format(names=["dupe", "bce", "only-aaa"], description="from aaa")},
    )  # fmt: skip
    return first_on_path, second_on_path


def test_duplicate_names_first_registration_wins(clashing):
    proc = _ganzoo("list", "--kind", "loss", "--json", paths=clashing)
    rows = {r["name"]: r for r in _json(proc)}
    assert rows["bce"]["origin"]["distribution"] == "ganzoo"  # the ganzoo distribution loads first
    assert rows["dupe"]["origin"] == {"distribution": "aaa-dup", "version": "1.0"}  # then by name
    assert rows["only-aaa"]["origin"]["distribution"] == "aaa-dup"  # the rest of a clashing plugin loads
    warnings = proc.stderr.strip().splitlines()
    assert len(warnings) == 2, proc.stderr
    bce, dupe = sorted(warnings)
    assert "'bce' from aaa-dup 1.0 is ignored" in bce and "ganzoo 0.1.0" in bce
    assert "'dupe' from zzz-dup 2.0 is ignored" in dupe and "aaa-dup 1.0" in dupe
    assert all("first registration wins" in w and "GANZOO_BLOCK_PLUGINS" in w for w in warnings)
    plugins = {p["distribution"]: p for p in _json(_ganzoo("plugins", "--json", paths=clashing))}
    assert plugins["aaa-dup"]["refused"] == ["loss:bce"] and plugins["zzz-dup"]["refused"] == ["loss:dupe"]


@pytest.mark.parametrize("block", ["aaa-dup", "adup", "zzz-dup,adup"])
def test_block_plugins_by_distribution_or_entry_point(clashing, block):
    proc = _ganzoo("list", "--kind", "loss", "--json", paths=clashing, GANZOO_BLOCK_PLUGINS=block)
    rows = {r["name"]: r for r in _json(proc)}
    assert "only-aaa" not in rows and rows["bce"]["origin"]["distribution"] == "ganzoo"
    if "zzz-dup" in block:
        assert "dupe" not in rows
    else:
        assert rows["dupe"]["origin"]["distribution"] == "zzz-dup"  # the blocked one no longer takes it
    assert proc.stderr.strip() == ""
    plugins = {
        p["distribution"]: p
        for p in _json(_ganzoo("plugins", "--json", paths=clashing, GANZOO_BLOCK_PLUGINS=block))
    }
    assert plugins["aaa-dup"]["status"] == "blocked" and plugins["aaa-dup"]["components"] == []
    assert plugins["zzz-dup"]["status"] == ("blocked" if "zzz-dup" in block else "loaded")
