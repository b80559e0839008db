"""Registry and configuration resolution: names, wildcards, capabilities, typed overrides."""

from __future__ import annotations

import struct

import pytest
import torch

from ganzoo import Component, Param
from ganzoo.config import parse_overrides, resolve
from ganzoo.errors import ConfigError, DataError, UnknownComponentError
from ganzoo.registry import Registry, get_registry


def _registry() -> Registry:
    reg = Registry()
    for c in [
        Component(
            "g", "generator", "plain generator", factory="m:G", params=(Param("width", int, 8, "w", min=1),)
        ),
        Component("d", "discriminator", "score critic", factory="m:D", provides={"score"}),
        Component(
            "d-cls",
            "discriminator",
            "critic with class head",
            factory="m:D",
            provides={"score", "class-head"},
        ),
        Component("bce", "loss", "bce", factory="m:L", needs={"score"}),
        Component(
            "aux", "loss", "needs a class head", factory="m:L", needs={"score", "class-head", "labels"}
        ),
        Component(
            "alt", "trainer", "alternating", factory="m:T", params=(Param("lr", float, 1e-3, "lr", min=0),)
        ),
        Component("pts", "dataset", "points", factory="m:P", provides={"points"}),
        Component("digits", "dataset", "labelled images", factory="m:I", provides={"images", "labels"}),
        Component(
            "fam",
            "family",
            "a family",
            parts={"generator": "g", "discriminator": "d", "loss": "bce", "trainer": "alt"},
            defaults={"trainer": {"lr": 5e-4}, "train": {"batch_size": 16}},
        ),
    ]:
        reg.add(c)
    return reg


def test_wildcards_kinds_and_suggestions():
    reg = _registry()
    assert [c.name for c in reg.list("d*")] == ["d", "d-cls", "digits"]
    assert [c.name for c in reg.list(kind="loss")] == ["aux", "bce"]
    assert reg.get("loss:bce").kind == "loss"
    with pytest.raises(UnknownComponentError, match="did you mean 'bce'"):
        reg.get("bcd")
    with pytest.raises(UnknownComponentError, match="unknown kind"):
        reg.list(kind="optimizer")


def test_resolve_applies_family_defaults_then_typed_overrides():
    reg = _registry()
    spec = resolve(
        reg, "fam", dataset="digits", overrides=parse_overrides(["trainer.lr=0.01", "generator.width=4"])
    )
    assert spec.parts["trainer"].params == {"lr": 0.01}
    assert spec.parts["generator"].params == {"width": 4}
    assert spec.train["batch_size"] == 16
    assert resolve(reg, "fam", dataset="digits").parts["trainer"].params == {"lr": 5e-4}
    with pytest.raises(ConfigError, match=r"generator\.width: must be >= 1"):
        resolve(reg, "fam", dataset="digits", overrides={"generator": {"width": "0"}})
    with pytest.raises(ConfigError, match="did you mean trainer.lr"):
        resolve(reg, "fam", dataset="digits", overrides={"trainer": {"lrr": "1"}})
    with pytest.raises(ConfigError, match="unknown section"):
        parse_overrides(["optim.lr=1"])


def test_data_defaults_layer_by_kind_then_dataset_name_under_user_overrides():
    reg = _registry()
    reg.add(Component("ring", "dataset", "more points", factory="m:P", provides={"points"}))
    reg.add(
        Component(
            "fam2",
            "family",
            "a family with a 2-D recipe",
            parts={"generator": "g", "discriminator": "d", "loss": "bce", "trainer": "alt"},
            defaults={"trainer": {"lr": 5e-4}, "train": {"batch_size": 16, "steps": 100}},
            data_defaults={
                "points": {"generator": {"width": 2}, "train": {"batch_size": 256}},
                "ring": {"train": {"batch_size": 512}},
            },
        )
    )
    images = resolve(reg, "fam2", dataset="digits")
    assert images.parts["generator"].params == {"width": 8} and images.train["batch_size"] == 16
    pts = resolve(reg, "fam2", dataset="pts")
    assert pts.parts["generator"].params == {"width": 2} and pts.train["batch_size"] == 256
    assert pts.train["steps"] == 100 and pts.parts["trainer"].params == {"lr": 5e-4}
    assert resolve(reg, "fam2", dataset="ring").train["batch_size"] == 512
    mine = resolve(reg, "fam2", dataset="ring", overrides={"train": {"batch_size": "8"}})
    assert mine.train["batch_size"] == 8


def test_incompatible_combination_names_the_missing_capability_and_what_fits():
    reg = _registry()
    with pytest.raises(ConfigError, match="'class-head'.*discriminators that provide it: d-cls"):
        resolve(reg, "fam", dataset="digits", loss="aux")
    with pytest.raises(ConfigError, match="'labels'.*datasets that provide it: digits"):
        resolve(reg, "fam", dataset="pts", loss="aux", discriminator="d-cls")
    spec = resolve(reg, "fam", dataset="digits", loss="aux", discriminator="d-cls")
    assert spec.parts["loss"].component.name == "aux"
    # the family's trainer defaults still apply; swapped parts use their own defaults
    assert spec.parts["trainer"].params["lr"] == 5e-4


def test_bool_and_choice_coercion():
    p = Param("flag", bool, False, "a flag")
    assert p.coerce("yes") is True and p.coerce("0") is False
    with pytest.raises(ValueError, match="expects bool"):
        p.coerce("maybe")
    c = Param("opt", str, "adam", "optimiser", choices=("adam", "rmsprop"))
    with pytest.raises(ValueError, match="one of adam, rmsprop"):
        c.coerce("sgd")


def test_builtins_come_through_entry_points():
    reg = get_registry()
    gan = reg.get("gan", "family")
    assert gan.origin.distribution == "ganzoo" and gan.origin.entry_point == "gan"
    loaded = {r.name for r in reg.plugins if r.status == "loaded"}
    assert {"core", "datasets", "gan"} <= loaded
    assert all(r.hooks == ["register_components"] for r in reg.plugins if r.status == "loaded")


def _write_idx(path, array: torch.Tensor) -> None:
    dims = array.shape
    code = 0x08  # unsigned byte
    header = struct.pack(">HBB", 0, code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    path.write_bytes(header + array.numpy().tobytes())


def test_mnist_reads_torchvision_idx_layout(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = torch.randint(0, 256, (12, 28, 28), dtype=torch.uint8)
    labels = torch.arange(12, dtype=torch.uint8) % 10
    for prefix in ("train", "t10k"):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    impl = get_registry().get("mnist", "dataset").load()
    for where in (tmp_path, raw):  # the torchvision root or the raw folder itself
        data = impl.load("train", where)
        assert data.x.shape == (12, 1, 28, 28) and data.x.dtype == torch.uint8
        assert torch.equal(data.x[:, 0], images) and torch.equal(data.y, labels.long())
    assert impl.load("test", tmp_path).spec.classes == tuple("0123456789")
    with pytest.raises(DataError, match="--data-dir"):
        impl.load("train", tmp_path / "nowhere")


def test_folder_dataset(tmp_path):
    from PIL import Image

    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.new("RGB", (40, 30), (i * 40, 10, 200)).save(tmp_path / cls / f"{i}.png")
    impl = get_registry().get("folder", "dataset").load()
    data = impl.load("train", tmp_path, size=16, channels=1)
    assert data.x.shape == (6, 1, 16, 16) and data.spec.classes == ("cats", "dogs")
    assert data.y.tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(DataError, match="--data-dir"):
        impl.load("train", None)
