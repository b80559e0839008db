"""infogan, lapgan and ebgan: building for every data shape (lapgan refuses points), training steps,
the pulling-away term and margin loss against hand-computed values, the InfoGAN Q loss learning, code
sampling, and the LAPGAN pyramid (per-level shapes, exact reconstruction, coarse-to-fine chain)."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from ganzoo_plugins.nn.ebgan import EBGANLoss, pulling_away
from ganzoo_plugins.nn.infogan import InfoGANDiscriminator, InfoGANGenerator, InfoGANLoss
from ganzoo_plugins.nn.lapgan import level_sheet, real_levels, sample_levels, upsample

from ganzoo.config import resolve
from ganzoo.data import Batch, Batcher, TensorData
from ganzoo.errors import ConfigError
from ganzoo.latent import Latent, sample_latent
from ganzoo.model import build_loss, build_model, build_trainer
from ganzoo.registry import get_registry
from ganzoo.spec import DataSpec

FAMILIES = ("infogan", "lapgan", "ebgan")
DIGITS = tuple(str(i) for i in range(10))
SHAPES = {
    "mnist": DataSpec("mnist", "images", (1, 28, 28), DIGITS),
    "cifar10": DataSpec("cifar10", "images", (3, 32, 32), DIGITS),
    "ring8": DataSpec("ring8", "points", (2,), tuple(str(i) for i in range(8))),
}
# Tiny nets, so every test runs in a blink on the CPU.
TINY = {
    "infogan": {
        "generator": {"width": 4, "noise_dim": 8, "points_hidden": "16,16"},
        "discriminator": {"width": 4, "points_hidden": "16,16", "q_hidden": 8},
    },
    "lapgan": {
        "generator": {"width": 4, "noise_dim": 8, "level_noise_dim": 4, "hidden": "16"},
        "discriminator": {"width": 4, "hidden": "16"},
    },
    "ebgan": {
        "generator": {"width": 4, "noise_dim": 8, "points_hidden": "16,16"},
        "discriminator": {"width": 4, "code_dim": 8, "points_hidden": "16,16"},
    },
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny nets run fastest on one thread; on a busy shared CPU more threads only contend."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_spec(family: str, dataset: str, **overrides):
    tiny = {role: dict(v) for role, v in TINY[family].items()}
    for key, value in overrides.items():
        role, _, name = key.partition("__")
        tiny.setdefault(role, {})[name] = value
    return resolve(get_registry(), family, dataset=dataset, overrides=tiny)


def synthetic(data: DataSpec, n: int = 32) -> TensorData:
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, data.num_classes, (n,), generator=g)
    if data.is_image:
        return TensorData(data, torch.randint(0, 256, (n, *data.shape), generator=g, dtype=torch.uint8), y)
    return TensorData(data, torch.randn(n, *data.shape, generator=g), y)


def setup(spec, data: DataSpec):
    torch.manual_seed(0)
    model = build_model(spec, data)
    trainer = build_trainer(spec, model.generator, model.discriminator, build_loss(spec), model.latent)
    return model, trainer


def params(net: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in net.named_parameters()}


# -- building ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", sorted(SHAPES))
@pytest.mark.parametrize("family", FAMILIES)
def test_family_builds_for_every_data_shape(family, dataset):
    data = SHAPES[dataset]
    if family == "lapgan" and not data.is_image:
        with pytest.raises(ConfigError, match="needs 'images'.*mnist"):
            tiny_spec(family, dataset)
        return
    model = build_model(tiny_spec(family, dataset), data)
    x = model.sample(3, seed=0)
    assert x.shape == (3, *data.shape) and torch.isfinite(x).all()
    if data.is_image:
        assert x.abs().max() <= 1
    with torch.no_grad():
        out = model.discriminator.eval()(x)
    if family == "ebgan":
        assert out["energy"].shape == (3,) and out["code"].shape == (3, 8) and "score" not in out
        assert torch.allclose(model.score(x), -out["energy"])
        assert (out["energy"] >= 0).all()
    else:
        assert out["score"].shape == (3,)
        assert model.score(x).shape == (3,)
    if family == "infogan":
        assert model.latent.categorical == (10,) and model.latent.continuous == 2
        assert model.latent.dim == 8 + 10 + 2
        assert out["q_cat"].shape == (3, 10) and out["q_cont"].shape == (3, 2)


def test_infogan_discriminator_needs_latent_codes():
    with pytest.raises(ConfigError, match="needs 'latent-codes'.*infogan"):
        resolve(get_registry(), "infogan", dataset="mnist", generator="dcgan")
    with pytest.raises(ConfigError, match="n_categorical"):
        InfoGANGenerator(SHAPES["mnist"], n_categorical=0, n_continuous=0)


def test_ebgan_loss_is_refused_with_a_score_discriminator():
    with pytest.raises(ConfigError, match="needs 'energy'.*autoencoder"):
        resolve(get_registry(), "ebgan", dataset="mnist", discriminator="dcgan")


def test_lapgan_refuses_mismatched_levels_and_sizes():
    with pytest.raises(ConfigError, match="2 levels but discriminator has 3"):
        setup(tiny_spec("lapgan", "mnist", generator__levels=2), SHAPES["mnist"])
    with pytest.raises(ConfigError, match="divisible by 4"):
        build_model(tiny_spec("lapgan", "mnist"), DataSpec("odd", "images", (1, 30, 30)))
    # without the pyramid trainer the pyramid nets are refused, naming the trainer that fits
    with pytest.raises(ConfigError, match="needs 'pyramid-trainer'.*lapgan"):
        resolve(get_registry(), "lapgan", dataset="mnist", trainer="alternating")


# -- training steps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "dataset"),
    [
        ("infogan", "mnist"),
        ("infogan", "ring8"),
        ("lapgan", "mnist"),
        ("lapgan", "cifar10"),
        ("ebgan", "mnist"),
        ("ebgan", "ring8"),
    ],
)
def test_training_steps_give_finite_losses_and_move_both_nets(family, dataset):
    data = SHAPES[dataset]
    model, trainer = setup(tiny_spec(family, dataset), data)
    before = {net: params(getattr(model, net)) for net in ("generator", "discriminator")}
    batcher = Batcher(synthetic(data), 8, seed=0)
    for _ in range(2):
        logs = trainer.step(batcher, lambda n: sample_latent(model.latent, n))
        assert {"d_loss", "g_loss"} <= set(logs)
        assert all(v.ndim == 0 and not v.requires_grad and torch.isfinite(v) for v in logs.values()), logs
    for net, old in before.items():
        module = getattr(model, net)
        moved = {n for n, p in module.named_parameters() if not torch.equal(p, old[n])}
        assert moved, f"{family}: no {net} parameter changed"
        if family == "lapgan":  # every level trains
            for k in range(len(module.levels)):
                assert any(n.startswith(f"levels.{k}.") for n in moved), f"{net} level {k} did not move"
    if family == "infogan":
        assert {"q_cat", "q_cont", "g_q_cat", "g_q_cont"} <= set(logs)
    if family == "ebgan":
        assert {"energy_real", "energy_fake", "pt"} <= set(logs)
    if family == "lapgan":
        assert {"d_loss_l0", "d_loss_l2", "g_loss_l1", "d_real_l2"} <= set(logs)


def test_lapgan_trainer_under_ddp_matches_the_plain_trainer(tmp_path):
    import torch.distributed as dist
    from ganzoo_plugins.nn.lapgan import _peel
    from torch.nn.parallel import DistributedDataParallel as DDP

    spec, data = tiny_spec("lapgan", "mnist"), SHAPES["mnist"]
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        results = []
        for wrap in (False, True):
            model, _ = setup(spec, data)
            G, D = model.generator, model.discriminator
            if wrap:
                G, D = torch.compile(DDP(G)), DDP(D)
                assert _peel(G) == (model.generator, True)
            trainer = build_trainer(spec, G, D, build_loss(spec), model.latent)
            batcher = Batcher(synthetic(data), 8, seed=0)
            torch.manual_seed(1)
            trainer.step(batcher, partial(sample_latent, model.latent))
            results.append(params(model))
    finally:
        dist.destroy_process_group()
    plain, wrapped = results
    assert all(torch.allclose(plain[n], wrapped[n]) for n in plain)


def test_lapgan_trainer_state_round_trips():
    spec = tiny_spec("lapgan", "mnist")
    model, trainer = setup(spec, SHAPES["mnist"])
    batcher = Batcher(synthetic(SHAPES["mnist"]), 8, seed=0)
    trainer.step(batcher, lambda n: sample_latent(model.latent, n))
    state = trainer.state_dict()
    assert len(state["opt_g"]) == len(state["opt_d"]) == 3
    _, fresh = setup(spec, SHAPES["mnist"])
    fresh.load_state_dict(state)
    assert fresh.opt_d[2].state_dict()["state"][0]["step"] == 1


# -- EBGAN ------------------------------------------------------------------------------------


def test_pulling_away_term_equals_its_formula():
    s = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    # cos^2: (1,2) = 0, (1,3) = 1/2, (2,3) = 1/2; each pair counted twice over N(N-1) = 6
    assert torch.allclose(pulling_away(s), torch.tensor(2 * (0 + 0.5 + 0.5) / 6))
    torch.manual_seed(0)
    codes = torch.randn(5, 4)
    expected = sum(
        (codes[i] @ codes[j] / (codes[i].norm() * codes[j].norm())) ** 2
        for i in range(5)
        for j in range(5)
        if i != j
    ) / (5 * 4)
    assert torch.allclose(pulling_away(codes), expected)
    assert torch.allclose(pulling_away(torch.ones(3, 4)), torch.tensor(1.0))  # collapsed batch: maximal


def test_ebgan_margin_loss_against_hand_values():
    energies = {"real": torch.tensor([0.2, 0.4]), "fake": torch.tensor([0.5, 3.0])}
    codes = torch.tensor([[1.0, 0.0], [1.0, 1.0]])

    def D(x, y=None):  # energy by the first entry of x: 0 -> real, 1 -> fake
        e = energies["fake"] if x[0, 0] == 1 else energies["real"]
        return {"energy": e, "code": codes}

    real, fake = Batch(torch.zeros(2, 1), None), torch.ones(2, 1)
    lat = Latent(torch.zeros(2, 1), None, None, None)
    loss, logs = EBGANLoss(margin=2.0, pt_weight=0.5).discriminator(D, real, fake, lat)
    # E(x) = 0.3; max(0, 2 - E(G(z))) = (1.5 + 0) / 2
    assert torch.allclose(loss, torch.tensor(0.3 + 0.75))
    g, g_logs = EBGANLoss(margin=2.0, pt_weight=0.5).generator(D, fake, lat, real)
    assert torch.allclose(g_logs["pt"], torch.tensor(0.5))  # cos^2 = 1/2 for the one pair
    assert torch.allclose(g, torch.tensor(1.75 + 0.5 * 0.5))


# -- InfoGAN ----------------------------------------------------------------------------------


def test_infogan_q_loss_falls_on_a_toy_problem():
    torch.manual_seed(0)
    data = DataSpec("toy", "images", (1, 8, 8))
    latent = InfoGANGenerator(data, noise_dim=4).latent
    # a fixed generator: a random linear map of [noise | one-hot | continuous] through tanh
    G = torch.nn.Sequential(
        torch.nn.Linear(latent.dim, 64), torch.nn.Tanh(), torch.nn.Unflatten(1, data.shape)
    )
    G.requires_grad_(False)
    D = InfoGANDiscriminator(data, latent, width=8, norm="none", q_hidden=32)
    loss = InfoGANLoss()
    opt = torch.optim.Adam(D.parameters(), lr=3e-3)
    real = Batch(torch.rand(64, *data.shape) * 2 - 1, None)
    g = torch.Generator().manual_seed(1)
    test = sample_latent(latent, 256, generator=g)

    def q_loss() -> float:
        with torch.no_grad():
            return float(loss.information(D, D(G(test.z)), test)[0])

    initial = q_loss()
    for _ in range(100):
        lat = sample_latent(latent, 64, generator=g)
        d_loss, _ = loss.discriminator(D, real, G(lat.z), lat)
        opt.zero_grad()
        d_loss.backward()
        opt.step()
    final = q_loss()
    assert initial > 2.0  # about log(10) for the categorical code
    assert final < 0.5 * initial, (initial, final)


def test_infogan_gaussian_nll_with_learned_std():
    out = {
        "score": torch.zeros(2),
        "q_cont": torch.tensor([[0.0], [1.0]]),
        "q_cont_logstd": torch.log(torch.tensor([[2.0], [0.5]])),
    }
    lat = Latent(torch.zeros(2, 1), None, None, torch.tensor([[1.0], [1.0]]))
    info, logs = InfoGANLoss(lambda_mi=2.0, lambda_cont=0.5).information(None, out, lat)
    nll = (0.5 * (1 / 2) ** 2 + torch.log(torch.tensor(2.0)) + 0 + torch.log(torch.tensor(0.5))) / 2
    assert torch.allclose(logs["q_cont"], nll)
    assert torch.allclose(info, 2.0 * 0.5 * nll)


def test_infogan_fully_connected_layers_feed_every_head():
    data = SHAPES["mnist"]
    G = InfoGANGenerator(data, noise_dim=8, width=4, hidden=32)
    D = InfoGANDiscriminator(data, G.latent, width=4, q_hidden=8, hidden=24)
    assert D.feature_dim == 24 and D.head.in_features == 24 and D.q_body[0].in_features == 24
    assert any(isinstance(m, torch.nn.Linear) and m.out_features == 32 for m in G.net)
    x = G(sample_latent(G.latent, 3).z)
    out = D(x)
    assert x.shape == (3, 1, 28, 28) and out["score"].shape == (3,) and out["q_cat"].shape == (3, 10)
    # without the option the nets keep their state-dict keys, so older checkpoints still load
    plain = InfoGANDiscriminator(data, G.latent, width=4, q_hidden=8)
    assert all(not k.startswith("body.1.") for k in plain.state_dict())


def test_infogan_uses_the_papers_fully_connected_nets_on_images_only():
    mnist = resolve(get_registry(), "infogan", dataset="mnist")
    ring = resolve(get_registry(), "infogan", dataset="ring8")
    assert mnist.parts["generator"].params["hidden"] == 1024
    assert mnist.parts["discriminator"].params == {
        **ring.parts["discriminator"].params,
        "width": 64,
        "hidden": 1024,
    }
    assert ring.parts["generator"].params["hidden"] == 0 and ring.parts["discriminator"].params["hidden"] == 0
    assert mnist.train["steps"] == 10000 and ring.train["steps"] == 5000


def test_infogan_sampling_with_fixed_codes_honours_them():
    model = build_model(tiny_spec("infogan", "mnist"), SHAPES["mnist"])
    seen: list[torch.Tensor] = []
    model.generator.register_forward_pre_hook(lambda mod, args: seen.append(args[0].clone()))
    codes = torch.tensor([[3], [3], [7]])
    cont = torch.tensor([[-1.0, 0.5], [0.0, 0.0], [1.0, -0.25]])
    x = model.sample(3, codes=codes, continuous=cont, seed=0)
    assert x.shape == (3, 1, 28, 28)
    z = seen[-1]
    assert z[:, 8:18].argmax(1).tolist() == [3, 3, 7] and z[:, 8:18].sum(1).tolist() == [1, 1, 1]
    assert torch.equal(z[:, 18:], cont)
    # same noise: same codes -> same image, another code -> another image
    assert torch.equal(x, model.sample(3, codes=codes, continuous=cont, seed=0))
    assert not torch.allclose(x, model.sample(3, codes=[[1], [1], [1]], continuous=cont, seed=0))
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        model.sample(1, codes=[[10]])


# -- LAPGAN -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("dataset", "sizes"), [("mnist", (7, 14, 28)), ("cifar10", (8, 16, 32))])
def test_lapgan_levels_chain_coarse_to_fine(dataset, sizes):
    data = SHAPES[dataset]
    model = build_model(tiny_spec("lapgan", dataset), data)
    G = model.generator.eval()
    assert len(G.levels) == len(model.discriminator.levels) == 3
    assert G.latent.noise_dim == 8 + 4 + 4
    z = torch.randn(5, G.latent.dim)
    with torch.no_grad():
        images, outputs = G.pyramid(z), G.residuals(z)
        full = G(z)
    c = data.shape[0]
    assert [tuple(im.shape) for im in images] == [(5, c, s, s) for s in sizes]
    assert [tuple(o.shape) for o in outputs] == [(5, c, s, s) for s in sizes]
    assert torch.equal(images[-1], full) and full.shape == (5, *data.shape)
    for k in (1, 2):  # each level adds its residual to the upsampled coarser image
        assert torch.allclose(images[k], (upsample(images[k - 1]) + outputs[k]).clamp(-1, 1))
    # a per-level sample sheet: the same seed gives model.sample's images at the finest level
    levels, bands = sample_levels(model, 4, seed=3)
    assert [im.shape[-1] for im in levels] == [b.shape[-1] for b in bands] == list(sizes)
    assert torch.equal(levels[-1], model.sample(4, seed=3))
    sheet = level_sheet(model, 4, seed=3)  # rows: coarse image, band 1, image 1, band 2, image 2
    assert sheet.shape == (5 * 4, *data.shape) and sheet.abs().max() <= 1
    assert torch.equal(sheet[:4], levels[0].repeat_interleave(2**2, 2).repeat_interleave(2**2, 3))
    assert torch.equal(sheet[-4:], levels[-1])
    assert torch.allclose(sheet[12:16].abs().amax(), torch.tensor(1.0))


def test_lapgan_residuals_are_clipped_to_the_image_range():
    """D judges what the chain keeps: a residual that would leave [-1, 1] is cut at the edge."""
    model = build_model(tiny_spec("lapgan", "mnist"), SHAPES["mnist"])
    G = model.generator.eval()
    cond = torch.rand(6, 1, 14, 14) * 2 - 1
    cond[:, :, :4] = -1.0  # a flat background row, as on MNIST
    z = torch.randn(6, 4)
    with torch.no_grad():
        G.levels[1].net[-1].bias.fill_(0.5)  # push some raw outputs out of range
        raw, band = G.levels[1](z, cond), G.level(1, z, cond)
    inside = (cond + raw).abs() <= 1
    assert (~inside).any() and inside.any()
    assert torch.allclose(band[inside], raw[inside])
    assert torch.allclose(cond + band, (cond + raw).clamp(-1, 1))


def test_real_laplacian_pyramid_reconstructs_the_image():
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    inputs, conds = real_levels(x, 3)
    assert [i.shape[-1] for i in inputs] == [8, 16, 32] and conds[0] is None
    image = inputs[0]
    for k in (1, 2):
        assert torch.allclose(conds[k], upsample(image))
        image = upsample(image) + inputs[k]
    assert torch.allclose(image, x, atol=1e-5)
