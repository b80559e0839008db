"""Model folders, safe loading, and push -> pull -> sample through the real huggingface_hub client.

The Hub is the local fake in ``hub_server.py`` (started per test by the ``fake_hub`` fixture).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import hub_fixtures
import pytest
import torch
import yaml
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from ganzoo.cli import main
from ganzoo.config import resolve
from ganzoo.data import Batch
from ganzoo.errors import GanzooError, ModelLoadError
from ganzoo.hub import pull, push
from ganzoo.images import save_grid, save_samples
from ganzoo.latent import sample_latent
from ganzoo.model import build_loss, build_model, build_trainer
from ganzoo.modelio import load, model_config, save_model
from ganzoo.registry import get_registry

fake_hub = hub_fixtures.fake_hub  # the fixture, used by name below
TINY = {"generator": {"noise_dim": "4", "hidden": "8"}, "discriminator": {"hidden": "8"}}
REPO = "tester/tiny-gan"


def tiny_model(dataset: str = "mnist", steps: int = 3, seed: int = 0, family: str = "gan", **parts: str):
    """A family (``gan`` by default; ``parts`` swap its MLP nets for others) with tiny nets, trained a few
    steps on noise by its own trainer and loss."""
    spec = resolve(get_registry(), family, dataset=dataset, overrides=TINY, **parts)
    data = spec.dataset.component.load().spec()
    torch.manual_seed(seed)
    model = build_model(spec, data)
    trainer = build_trainer(spec, model.generator, model.discriminator, build_loss(spec), model.latent)
    gen = torch.Generator().manual_seed(seed)
    real = torch.rand((16, *data.shape), generator=gen) * 2 - 1
    labels = torch.randint(0, data.num_classes, (16,), generator=gen) if model.latent.conditional else None
    for _ in range(steps):
        trainer.step(lambda: Batch(real, labels), lambda n: sample_latent(model.latent, n, generator=gen))
    model_config(model, spec, seed=seed, steps_done=steps)
    return model


def saved(model, folder: Path, metrics: dict | None = None) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    sheet = save_samples(model.sample(16, seed=1), folder.parent / f"{folder.name}-sheet.png")
    return save_model(model, folder, sample_sheet=sheet, metrics=metrics)


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """Run ``ganzoo ARGS`` in this process like the console script; returns (exit code, stdout, stderr)."""
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4 : text.index("\n---", 4)])


# -- the model folder -----------------------------------------------------------------------------
def test_model_folder_layout_and_card(tmp_path):
    model = tiny_model()
    folder = saved(model, tmp_path / "model", metrics={"fd": 12.5, "classifier": {"score": 3.25}})
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["README.md", "config.json", "metrics.json", "model.safetensors", "samples.png"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp folder left

    config = json.loads((folder / "config.json").read_text())
    assert config["schema_version"] == 1 and config["library_name"] == "ganzoo"
    assert config["family"] == "gan" and config["train"]["steps_done"] == 3
    assert config["components"]["generator"] == {
        "name": "mlp",
        "distribution": "ganzoo",
        "version": config["ganzoo_version"],
        "params": {"noise_dim": 4, "hidden": "8"},
    }
    assert config["data"]["shape"] == [1, 28, 28] and len(config["data"]["classes"]) == 10
    assert config["latent"]["noise_dim"] == 4

    with safe_open(folder / "model.safetensors", framework="pt") as f:
        keys, meta = set(f.keys()), f.metadata()
    assert meta == {"format": "pt"}
    assert keys == set(model.state_dict())
    assert {k.split(".")[0] for k in keys} == {"generator", "discriminator"}

    card = (folder / "README.md").read_text()
    meta = front_matter(card)
    assert meta["library_name"] == "ganzoo" and meta["license"] == "mit"
    assert meta["pipeline_tag"] == "unconditional-image-generation"
    assert {"gan", "ganzoo", "mnist"} <= set(meta["tags"]) and meta["datasets"] == ["mnist"]
    assert "![Samples from this model](samples.png)" in card
    assert "| fd | 12.5 |" in card and "| classifier.score | 3.25 |" in card
    assert "--nice" in card and "safetensors" in card

    # saving again replaces the model folder; a folder holding something else is refused
    save_model(model, folder)
    assert not (folder / "samples.png").exists()
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep me")
    with pytest.raises(GanzooError, match="not a ganzoo model folder"):
        save_model(model, other)
    assert (other / "todo.txt").read_text() == "keep me"


def test_load_model_folder_and_run_folders(tmp_path):
    model = tiny_model()
    expected = model.sample(8, seed=5)
    folder = saved(model, tmp_path / "run" / "model")
    assert torch.equal(load(str(folder)).sample(8, seed=5), expected)
    assert torch.equal(load(str(tmp_path / "run")).sample(8, seed=5), expected)  # a run folder's model/

    # a run folder without model/: its config.json and latest checkpoint
    run = tmp_path / "interrupted"
    (run / "checkpoints" / "step-0000003").mkdir(parents=True)
    (run / "checkpoints" / "step-0000001").mkdir()
    (run / "checkpoints" / "latest").write_text("step-0000003")
    (run / "config.json").write_text(json.dumps({**model.config, "run": {"out": str(run)}}))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    save_file(state, run / "checkpoints/step-0000003/nets.safetensors")
    save_file(
        {k: torch.zeros_like(v) for k, v in state.items()}, run / "checkpoints/step-0000001/nets.safetensors"
    )
    loaded = load(run)
    assert torch.equal(loaded.sample(8, seed=5), expected)
    assert loaded.config["run"] == {"out": str(run)}


def test_load_refuses_unsafe_or_broken_folders(tmp_path):
    model = tiny_model()
    good = saved(model, tmp_path / "good")

    pickles = tmp_path / "pickles"
    pickles.mkdir()
    (pickles / "pytorch_model.bin").write_bytes(b"\x80\x04not really")
    with pytest.raises(ModelLoadError, match=r"only pytorch_model\.bin: ganzoo reads only safetensors"):
        load(pickles)

    def variant(name: str, edit=None, weights=None) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        config = json.loads((good / "config.json").read_text())
        if edit:
            edit(config)
        (folder / "config.json").write_text(json.dumps(config))
        state = load_file(good / "model.safetensors")
        save_file(weights(state) if weights else state, folder / "model.safetensors")
        return folder

    newer = variant("newer", lambda c: c.update(schema_version=2))
    with pytest.raises(ModelLoadError, match="schema_version 2.*upgrade ganzoo"):
        load(newer)

    def other_plugin(c):
        c["components"]["generator"].update(name="fancy-gen", distribution="ganzoo-fancy", version="1.2")

    with pytest.raises(
        ModelLoadError, match=r"generator 'fancy-gen'.*ganzoo-fancy.*`pip install ganzoo-fancy`"
    ):
        load(variant("plugin", other_plugin))

    wider = variant("wider", lambda c: c["components"]["generator"]["params"].update(hidden="9"))
    with pytest.raises(ModelLoadError, match="do not match its config.json: .*size mismatch"):
        load(wider)

    extra = variant("extra", weights=lambda s: {**s, "generator.ema.weight": torch.zeros(2)})
    with pytest.raises(ModelLoadError, match=r"1 unexpected \(generator\.ema\.weight\)"):
        load(extra)

    missing = variant("missing", weights=lambda s: {k: v for k, v in s.items() if "discriminator" not in k})
    with pytest.raises(ModelLoadError, match="missing"):
        load(missing)

    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "config.json").write_text((good / "config.json").read_text())
    (tmp_path / "corrupt" / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(ModelLoadError, match="not a readable safetensors file"):
        load(tmp_path / "corrupt")

    with pytest.raises(ModelLoadError, match="neither an existing folder nor a Hub repo id"):
        load("not a repo id!")
    with pytest.raises(ModelLoadError, match="no such folder"):
        load(str(tmp_path / "nowhere") + "/")
    with pytest.raises(ModelLoadError, match="is a file"):
        load(good / "config.json")


# -- the Hub --------------------------------------------------------------------------------------
def repo_files(hub, repo_id: str, rev: str = "main") -> dict[str, bytes]:
    repo = hub.repos[repo_id]
    return {path: blob.data for path, blob in repo.commits[repo.resolve(rev)].items()}


def test_push_pull_sample_round_trip_python(fake_hub, tmp_path):
    """A model trained by the engine (``ganzoo.train``) on ring8 goes to the Hub and comes back the same."""
    import ganzoo

    run = tmp_path / "run"
    overrides = {**TINY, "dataset": {"n": "1024"}}
    model = ganzoo.train("gan", dataset="ring8", steps=20, overrides=overrides, out=run, device="cpu")
    (run / "metrics.json").write_text(json.dumps({"modes": 7, "high_quality": 0.9}))  # `ganzoo eval` output

    url = push(run, REPO, message="first")
    assert url.startswith(f"{fake_hub.url}/{REPO}/commit/") and len(url.rsplit("/", 1)[1]) == 40
    files = repo_files(fake_hub, REPO)
    assert set(files) == {
        ".gitattributes",
        "README.md",
        "config.json",
        "model.safetensors",
        "samples.png",
        "metrics.json",
        "critic_map.png",  # a 2-D run's last critic map, shown in the card
    }
    assert files["model.safetensors"] == (run / "model" / "model.safetensors").read_bytes()
    card = files["README.md"].decode()
    assert front_matter(card)["library_name"] == "ganzoo"
    assert f"ganzoo sample {REPO} -n 64" in card and "| modes | 7 |" in card
    assert ("POST", f"/{REPO}.git/info/lfs/objects/batch") in fake_hub.requests  # weights went through LFS
    with Image.open(io.BytesIO(files["samples.png"])) as img:
        assert img.format == "PNG"

    cache = Path(os.environ["HF_HOME"]) / "hub"
    assert not cache.exists()  # an empty cache: everything below comes from the server
    folder = pull(REPO)
    assert cache in folder.parents
    loaded = load(REPO)
    for seed in (0, 7):
        assert torch.equal(loaded.sample(256, seed=seed), model.sample(256, seed=seed))
    assert loaded.config == json.loads((run / "model" / "config.json").read_text())
    assert loaded.config["train"]["steps_done"] == 20


def test_round_trip_through_the_cli_and_offline(fake_hub, tmp_path, capsys, monkeypatch):
    import huggingface_hub.constants as hf_constants

    model = tiny_model()
    folder = saved(model, tmp_path / "model")
    code, out, err = run_cli(["push", folder, REPO, "--message", "from the CLI"], capsys)
    assert code == 0, err
    assert f"pushed {folder} to {REPO}" in out and "commit: " in out

    local = tmp_path / "pulled"
    code, out, err = run_cli(["pull", REPO, "--local-dir", local], capsys)
    assert code == 0, err
    assert "model.safetensors" in out and str(local) in out
    assert (local / "model.safetensors").read_bytes() == (folder / "model.safetensors").read_bytes()

    expected = tmp_path / "expected.png"
    save_grid(model.sample(9, seed=3), expected)
    for source in (REPO, local):
        got = tmp_path / "got.png"
        code, out, err = run_cli(["sample", source, "-n", 9, "--seed", 3, "-o", got], capsys)
        assert code == 0, err
        assert "wrote 9 samples of gan (seed 3)" in out
        assert got.read_bytes() == expected.read_bytes()
        got.unlink()

    # offline: the cache filled by `sample REPO` is enough, the server is gone
    fake_hub.stop()
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", True)
    code, out, err = run_cli(["sample", REPO, "-n", 9, "--seed", 3, "-o", tmp_path / "offline.png"], capsys)
    assert code == 0, err
    assert (tmp_path / "offline.png").read_bytes() == expected.read_bytes()
    code, out, err = run_cli(["sample", "tester/never-pulled", "-o", tmp_path / "x.png"], capsys)
    assert code == 1 and "not in the local Hub cache" in err and "Traceback" not in err


def test_second_push_is_a_new_revision_and_branches(fake_hub, tmp_path):
    first = tiny_model(steps=2)
    second = tiny_model(steps=6)
    assert not torch.equal(first.sample(4, seed=0), second.sample(4, seed=0))
    url1 = push(saved(first, tmp_path / "one"), REPO)
    url2 = push(saved(second, tmp_path / "two"), REPO)
    rev1, rev2 = url1.rsplit("/", 1)[1], url2.rsplit("/", 1)[1]
    assert rev1 != rev2 and fake_hub.repos[REPO].branches["main"] == rev2

    assert torch.equal(load(REPO).sample(4, seed=0), second.sample(4, seed=0))
    assert torch.equal(load(f"{REPO}@{rev1}").sample(4, seed=0), first.sample(4, seed=0))
    assert torch.equal(load(REPO, revision=rev1).sample(4, seed=0), first.sample(4, seed=0))
    assert (
        json.loads(pull(REPO, revision=rev1).joinpath("config.json").read_text())["train"]["steps_done"] == 2
    )

    push(tmp_path / "one", REPO, revision="experiment")  # a new branch from main, then the first model on it
    assert torch.equal(load(f"{REPO}@experiment").sample(4, seed=0), first.sample(4, seed=0))
    assert torch.equal(load(REPO).sample(4, seed=0), second.sample(4, seed=0))
    with pytest.raises(ModelLoadError, match="has no revision 'nope'"):
        load(f"{REPO}@nope")


def test_unauthorised_push_is_refused_in_one_line(fake_hub, tmp_path, capsys, monkeypatch):
    folder = saved(tiny_model(), tmp_path / "model")
    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    code, out, err = run_cli(["push", folder, REPO], capsys)
    assert code == 1
    assert err.startswith("ganzoo: error: the Hub refused the token") and "HF_TOKEN" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert REPO not in fake_hub.repos

    monkeypatch.delenv("HF_TOKEN")  # and no saved login in this HF_HOME
    code, out, err = run_cli(["push", folder, REPO], capsys)
    assert code == 1 and err.startswith("ganzoo: error: no Hub token") and err.count("\n") == 1


def test_pickle_only_repo_and_missing_repo_are_refused(fake_hub, capsys):
    fake_hub.put_files(
        "tester/old-gan", {"pytorch_model.bin": b"\x80\x04\x95pickle", "README.md": b"# old\n"}
    )
    with pytest.raises(ModelLoadError, match=r"only pytorch_model\.bin: ganzoo reads only safetensors"):
        load("tester/old-gan")
    code, out, err = run_cli(["pull", "tester/old-gan"], capsys)
    assert code == 1 and "ganzoo reads only safetensors" in err
    assert not any(p.endswith("pytorch_model.bin") for _, p in fake_hub.requests if "/resolve/" in p)

    code, out, err = run_cli(["sample", "tester/absent"], capsys)
    assert code == 1 and "no model repo tester/absent on the Hub" in err


def test_missing_plugin_named_from_the_hub(fake_hub, tmp_path):
    model = tiny_model()
    folder = saved(model, tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    config["components"]["discriminator"].update(
        name="spectral", distribution="ganzoo-spectral", version="0.3"
    )
    fake_hub.put_files(
        "tester/needs-plugin",
        {
            "config.json": json.dumps(config).encode(),
            "model.safetensors": (folder / "model.safetensors").read_bytes(),
        },
    )
    with pytest.raises(ModelLoadError, match=r"discriminator 'spectral'.*`pip install ganzoo-spectral`"):
        load("tester/needs-plugin")


def test_sample_command_points_and_bad_options(tmp_path, capsys):
    folder = saved(tiny_model("ring8"), tmp_path / "ring")
    out = tmp_path / "points.png"
    code, _, err = run_cli(["sample", folder, "-n", 50, "--seed", 1, "-o", out], capsys)
    assert code == 0, err
    with Image.open(out) as img:
        assert img.format == "PNG"
    code, _, err = run_cli(["sample", folder, "--labels", "1,2"], capsys)
    assert code == 1 and "not conditional" in err
    code, _, err = run_cli(["sample", folder, "--labels", "a,b"], capsys)
    assert code == 1 and "--labels takes comma-separated class numbers" in err
    code, _, err = run_cli(["push", tmp_path, REPO], capsys)
    assert code == 1 and "neither a model folder" in err


def test_sample_command_labels_of_a_conditional_model(tmp_path, capsys):
    model = tiny_model(family="cgan", generator="cmlp", discriminator="cmlp")
    folder = saved(model, tmp_path / "cgan")
    got, expected = tmp_path / "got.png", tmp_path / "expected.png"
    code, out, err = run_cli(["sample", folder, "-n", 6, "--labels", "3,7", "--seed", 4, "-o", got], capsys)
    assert code == 0, err
    save_grid(model.sample(6, labels=torch.tensor([3, 7, 3, 7, 3, 7]), seed=4), expected)
    assert got.read_bytes() == expected.read_bytes()
    assert "--labels 0,1,2" in (folder / "README.md").read_text()  # the card shows how to pick classes
    code, _, err = run_cli(["sample", folder, "--labels", "12"], capsys)
    assert code == 1 and "labels must lie in [0, 9]" in err


def test_documented_plain_python_loading(fake_hub, tmp_path):
    """The snippet in docs/hub.md rebuilds the generator with torch + safetensors only: same samples."""
    model = tiny_model()
    push(saved(model, tmp_path / "model"), "you/gan-mnist")
    doc = (Path(__file__).parents[1] / "docs" / "hub.md").read_text()
    section = doc[doc.index("## Loading without ganzoo") :]
    code = section[section.index("```python\n") + 10 : section.index("\n```", section.index("```python"))]
    scope: dict = {}
    exec(compile(code, "docs/hub.md", "exec"), scope)
    assert torch.equal(scope["x"], model.sample(16, seed=0))
