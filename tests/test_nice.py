"""Discriminator-ranked sampling (``--nice``) on critics whose scores are known."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo import registry
from ganzoo.cli import main
from ganzoo.components import Component
from ganzoo.images import save_samples
from ganzoo.latent import sample_latent
from ganzoo.model import GanModel
from ganzoo.modelio import save_model
from ganzoo.nice import nice_sample
from ganzoo.registry import Registry
from ganzoo.spec import DataSpec, LatentSpec

DATA = DataSpec("toy", "points", (2,), ("a", "b", "c"))


class Shift(nn.Module):
    """x = z + 10 * label along the first axis; one parameter so the model has a device."""

    def __init__(self, data: DataSpec, num_classes: int = 0) -> None:
        super().__init__()
        self.latent = LatentSpec(2, num_classes)
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, z, y=None):
        x = z * self.scale
        return x if y is None else x + torch.stack([10.0 * y, torch.zeros_like(y, dtype=x.dtype)], 1)


class NearestToCentre(nn.Module):
    """Known score: minus the squared distance to the label's centre (10 * label, 0)."""

    def __init__(self, data: DataSpec, latent: LatentSpec) -> None:
        super().__init__()

    def forward(self, x, y=None):
        centre = torch.zeros_like(x) if y is None else torch.stack([10.0 * y, torch.zeros_like(y)], 1).to(x)
        return {"score": -((x - centre) ** 2).sum(1)}


def model(num_classes: int = 0) -> GanModel:
    g = Shift(DATA, num_classes)
    return GanModel(g, NearestToCentre(DATA, g.latent), DATA)


def test_keeps_the_highest_scored_of_the_pool_in_batches():
    m = model()
    got = nice_sample(m, 5, pool=200, seed=3, batch_size=64)
    gen = torch.Generator().manual_seed(3)  # the same draws, batch by batch
    pool = torch.cat([sample_latent(m.latent, b, generator=gen).z for b in (64, 64, 64, 8)])
    scores = -(pool**2).sum(1)
    assert got.shape == (5, 2)
    assert torch.equal(got, pool[torch.topk(scores, 5).indices])  # the 5 best, best first
    assert -(got**2).sum(1).min() >= scores.sort(descending=True).values[5]
    assert torch.equal(nice_sample(m, 5, pool=200, seed=3, batch_size=64), got)
    assert torch.equal(nice_sample(m, 4, seed=1), nice_sample(m, 4, pool=80, seed=1))  # top 5% by default


def test_requested_labels_keep_their_positions():
    m = model(num_classes=3)
    got = nice_sample(m, 4, labels=[0, 2, 2, 1], top_fraction=0.1, seed=0)  # a pool of 40, split 10/20/10
    gen = torch.Generator().manual_seed(0)
    expected = torch.empty(4, 2)
    for label, positions in ((0, [0]), (2, [1, 2]), (1, [3])):  # groups in order of first request
        lat = sample_latent(
            m.latent, 10 * len(positions), generator=gen, labels=[label] * 10 * len(positions)
        )
        x = m.generator(lat.z, lat.y).detach()
        scores = m.discriminator(x, lat.y)["score"]
        expected[positions] = x[torch.topk(scores, len(positions)).indices]
    assert torch.equal(got, expected)
    assert torch.equal(got[:, 0].div(10).round(), torch.tensor([0.0, 2, 2, 1]))  # each at its label's mode


def test_sample_command_nice(tmp_path, capsys, monkeypatch):
    reg = Registry()  # this module's nets, registered as a plugin would register them
    reg.add(Component("shift", "generator", "toy generator", factory="test_nice:Shift"))
    reg.add(Component("nearest", "discriminator", "toy critic", factory="test_nice:NearestToCentre"))
    monkeypatch.setattr(registry, "_REGISTRY", reg)
    m = model()
    m.config = {
        "schema_version": 1,
        "family": "toy",
        "components": {"generator": {"name": "shift"}, "discriminator": {"name": "nearest"}},
        "data": DATA.to_json(),
        "latent": m.latent.to_json(),
    }
    folder = save_model(m, tmp_path / "toy")
    out = tmp_path / "nice.png"
    main(["sample", str(folder), "-n", "4", "--nice", "--pool", "40", "--seed", "1", "-o", str(out)])
    assert "ranked by the discriminator" in capsys.readouterr().out
    save_samples(nice_sample(m, 4, pool=40, seed=1), tmp_path / "expected.png")
    assert out.read_bytes() == (tmp_path / "expected.png").read_bytes()
    for args, message in (
        (["--pool", "40"], "go with --nice"),
        (["--nice", "--pool", "2"], "must hold at least the 4 samples"),
        (["--nice", "--pool", "40", "--top-fraction", "0.1"], "not both"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(["sample", str(folder), "-n", "4", *args, "-o", str(out)])
        assert exit_info.value.code == 1 and message in capsys.readouterr().err
