"""dcgan, cgan, acgan, wgan and wgan-gp: building for every data shape, training steps, conditional
sampling, the WGAN-GP penalty against hand-computed values, weight clipping and refused combinations."""

from __future__ import annotations

import math

import pytest
import torch
from ganzoo_plugins.nn.wgan import WassersteinGPLoss, gradient_penalty
from torch import nn

from ganzoo.capabilities import IMAGES
from ganzoo.components import Component
from ganzoo.config import resolve
from ganzoo.data import Batch, Batcher, TensorData
from ganzoo.errors import ConfigError
from ganzoo.latent import Latent, sample_latent
from ganzoo.model import build_loss, build_model, build_trainer
from ganzoo.registry import Registry, get_registry
from ganzoo.spec import DataSpec

FAMILIES = ("dcgan", "cgan", "acgan", "wgan", "wgan-gp")
DIGITS = tuple(str(i) for i in range(10))
SHAPES = {
    "mnist": DataSpec("mnist", "images", (1, 28, 28), DIGITS),
    "cifar10": DataSpec("cifar10", "images", (3, 32, 32), DIGITS),
    "ring8": DataSpec("ring8", "points", (2,), tuple(str(i) for i in range(8))),
}
# Tiny nets per component, so every test runs in a blink on the CPU.
TINY = {
    ("generator", "dcgan"): {"width": 4, "noise_dim": 8, "points_hidden": "16,16"},
    ("generator", "cdcgan"): {"width": 4, "noise_dim": 8, "points_hidden": "16,16"},
    ("generator", "cmlp"): {"hidden": "16,16", "noise_dim": 8},
    ("discriminator", "dcgan"): {"width": 4, "points_hidden": "16,16"},
    ("discriminator", "cdcgan"): {"width": 4, "points_hidden": "16,16"},
    ("discriminator", "acgan"): {"width": 4, "points_hidden": "16,16"},
    ("discriminator", "cmlp"): {"hidden": "16,16"},
}


def tiny_spec(family: str, dataset: str, **swap):
    reg = get_registry()
    spec = resolve(reg, family, dataset=dataset, **swap)
    overrides = {
        role: TINY.get((role, spec.parts[role].component.name), {}) for role in ("generator", "discriminator")
    }
    return resolve(reg, family, dataset=dataset, overrides=overrides, **swap)


def synthetic(data: DataSpec, n: int = 32) -> TensorData:
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, data.num_classes, (n,), generator=g)
    if data.is_image:
        return TensorData(data, torch.randint(0, 256, (n, *data.shape), generator=g, dtype=torch.uint8), y)
    return TensorData(data, torch.randn(n, *data.shape, generator=g), y)


def run_steps(spec, data: DataSpec, steps: int = 2):
    torch.manual_seed(0)
    model = build_model(spec, data)
    trainer = build_trainer(spec, model.generator, model.discriminator, build_loss(spec), model.latent)
    batcher = Batcher(synthetic(data), 8, seed=0)
    logs = [trainer.step(batcher, lambda n: sample_latent(model.latent, n)) for _ in range(steps)]
    return model, logs


@pytest.mark.parametrize("dataset", sorted(SHAPES))
@pytest.mark.parametrize("family", FAMILIES)
def test_family_builds_for_every_data_shape(family, dataset):
    data = SHAPES[dataset]
    model = build_model(tiny_spec(family, dataset), data)
    labels = [1] * 3 if model.latent.conditional else None
    x = model.sample(3, labels=labels, seed=0)
    assert x.shape == (3, *data.shape) and x.dtype == torch.float32
    assert torch.isfinite(x).all()
    if data.is_image:
        assert x.abs().max() <= 1
    assert model.score(x, None if labels is None else torch.tensor(labels)).shape == (3,)
    assert model.latent.conditional == (family in ("cgan", "acgan"))


@pytest.mark.parametrize("dataset", ["mnist", "ring8"])
@pytest.mark.parametrize("family", FAMILIES)
def test_training_steps_give_finite_losses_and_move_both_nets(family, dataset):
    spec = tiny_spec(family, dataset)
    torch.manual_seed(0)
    before = build_model(spec, SHAPES[dataset])
    model, logs = run_steps(spec, SHAPES[dataset])
    for log in logs:
        assert {"d_loss", "g_loss"} <= set(log)
        assert all(torch.isfinite(v).all() for v in log.values()), log
    for net in ("generator", "discriminator"):
        old = dict(getattr(before, net).named_parameters())
        moved = [n for n, p in getattr(model, net).named_parameters() if not torch.equal(p, old[n])]
        assert moved, f"{family}: no {net} parameter changed"


def test_dcgan_reference_architecture_on_mnist():
    # the preset trains at width 32 on CPUs; width 64 is the reference architecture of MODELS.md
    paper = {"generator": {"width": "64"}, "discriminator": {"width": "64"}}
    spec = resolve(get_registry(), "dcgan", dataset="mnist", overrides=paper)
    model = build_model(spec, SHAPES["mnist"])
    lin = next(m for m in model.generator.modules() if isinstance(m, nn.Linear))
    assert (lin.in_features, lin.out_features) == (100, 256 * 7 * 7)
    convt = [
        (m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding)
        for m in model.generator.modules()
        if isinstance(m, nn.ConvTranspose2d)
    ]
    assert convt == [
        (256, 128, (3, 3), (1, 1), (1, 1)),
        (128, 64, (4, 4), (2, 2), (1, 1)),
        (64, 1, (4, 4), (2, 2), (1, 1)),
    ]
    d = model.discriminator
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.Sigmoid)) for m in d.modules())
    assert all(m.stride == (2, 2) for m in d.modules() if isinstance(m, nn.Conv2d))
    # CIFAR-10 starts from 8x8
    cifar = build_model(
        resolve(get_registry(), "dcgan", dataset="cifar10", overrides=paper), SHAPES["cifar10"]
    )
    assert next(m for m in cifar.generator.modules() if isinstance(m, nn.Linear)).out_features == 256 * 8 * 8


def test_points_fall_back_to_mlp_nets():
    model = build_model(tiny_spec("dcgan", "ring8"), SHAPES["ring8"])
    convs = (nn.Conv2d, nn.ConvTranspose2d)
    assert not any(isinstance(m, convs) for m in model.modules())
    assert model.sample(5, seed=1).shape == (5, 2)


def test_wgan_gp_critic_has_no_batch_norm():
    model = build_model(tiny_spec("wgan-gp", "mnist"), SHAPES["mnist"])
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.discriminator.modules())
    dcgan = build_model(tiny_spec("dcgan", "mnist"), SHAPES["mnist"])
    assert any(isinstance(m, nn.BatchNorm2d) for m in dcgan.discriminator.modules())


def test_wgan_gp_has_its_own_recipe_for_2d_points():
    ring = resolve(get_registry(), "wgan-gp", dataset="ring8")
    mnist = resolve(get_registry(), "wgan-gp", dataset="mnist")
    assert ring.parts["loss"].params["gp_weight"] == 0.1 and mnist.parts["loss"].params["gp_weight"] == 10.0
    assert ring.parts["generator"].params["noise_dim"] == 2 and ring.train["batch_size"] == 256
    assert ring.train["lr_decay"] == "linear" and mnist.train["lr_decay"] == "none"
    grid = resolve(get_registry(), "wgan-gp", dataset="grid25")  # the dataset's own layer goes on top
    assert grid.parts["generator"].params["points_hidden"] == "256,256,256" and grid.train["steps"] == 15000
    assert ring.parts["generator"].params["points_hidden"] == "128,128,128" and ring.train["steps"] == 10000
    assert grid.parts["loss"].params["gp_weight"] == 0.1 and grid.train["lr_decay"] == "linear"
    assert mnist.train["batch_size"] == 64 and mnist.parts["trainer"].params["lr_g"] == 1e-4


@pytest.mark.parametrize("family", ["cgan", "acgan"])
def test_conditional_sampling_honours_labels(family):
    model = build_model(tiny_spec(family, "mnist"), SHAPES["mnist"])
    assert model.latent.num_classes == 10
    for labels in ([3, 3, 7], torch.tensor([3, 3, 7]), torch.tensor([3, 3, 7], dtype=torch.int32)):
        x = model.sample(3, labels=labels, seed=0)
        assert x.shape == (3, 1, 28, 28) and x.dtype == torch.float32
    lat = sample_latent(model.latent, 3, labels=[3, 3, 7])
    assert lat.y.dtype == torch.int64 and lat.y.tolist() == [3, 3, 7]
    # same noise, same label -> same image; another label -> another image
    a, b = model.sample(2, labels=[3, 3], seed=5), model.sample(2, labels=[3, 3], seed=5)
    c = model.sample(2, labels=[7, 7], seed=5)
    assert torch.equal(a, b) and not torch.allclose(a, c)
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        model.sample(2, labels=[3, 10])
    unconditional = build_model(tiny_spec("dcgan", "mnist"), SHAPES["mnist"])
    with pytest.raises(ValueError, match="not conditional"):
        unconditional.sample(2, labels=[1, 2])


def test_acgan_discriminator_outputs_score_and_class_logits():
    model = build_model(tiny_spec("acgan", "cifar10"), SHAPES["cifar10"])
    out = model.discriminator(torch.zeros(4, 3, 32, 32))
    assert out["score"].shape == (4,) and out["class_logits"].shape == (4, 10)


@pytest.mark.parametrize("d_fake_class", [True, False])
def test_acgan_d_fake_class_decides_whether_generated_labels_teach_the_class_head(d_fake_class):
    from ganzoo_plugins.nn.acgan import ACGANLoss

    torch.manual_seed(0)
    model = build_model(tiny_spec("acgan", "mnist"), SHAPES["mnist"])
    D = model.discriminator
    real = Batch(torch.rand(4, 1, 28, 28) * 2 - 1, torch.tensor([0, 1, 2, 3]))
    fake = torch.rand(4, 1, 28, 28) * 2 - 1

    def class_head_grad(y_fake: torch.Tensor) -> torch.Tensor:
        D.zero_grad()
        latent = Latent(torch.zeros(4, 8), y_fake, None, None)
        ACGANLoss(d_fake_class=d_fake_class).discriminator(D, real, fake, latent)[0].backward()
        return D.class_head.weight.grad.clone()

    # only the fake term depends on the labels G was asked for
    changed = not torch.allclose(
        class_head_grad(torch.tensor([4, 5, 6, 7])), class_head_grad(torch.tensor([9, 9, 9, 9]))
    )
    assert changed == d_fake_class


# -- the WGAN-GP penalty ----------------------------------------------------------------------


class LinearCritic(nn.Module):
    """f(x) = sum(w * x) (per class w[y] when conditional): its input gradient is w for every sample."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x, y=None):
        w = self.w if y is None else self.w[y]
        return {"score": (x * w).flatten(1).sum(1)}


class SquareCritic(nn.Module):
    """f(x) = sum(x²) / 2: its input gradient is x itself, so it differs per sample."""

    def forward(self, x, y=None):
        return {"score": x.pow(2).flatten(1).sum(1) / 2}


def test_gradient_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared():
    torch.manual_seed(0)
    w = torch.randn(3, 4, 4) * 0.3
    D = LinearCritic(w.clone())
    real, fake = torch.randn(6, 3, 4, 4), torch.randn(6, 3, 4, 4)
    loss, logs = WassersteinGPLoss(gp_weight=10.0).discriminator(
        D, Batch(real, None), fake, Latent(None, *[None] * 3)
    )
    expected_gp = (w.norm() - 1) ** 2
    assert torch.allclose(logs["gp"], expected_gp, rtol=1e-5)
    critic = (fake * w).flatten(1).sum(1).mean() - (real * w).flatten(1).sum(1).mean()
    assert torch.allclose(loss, critic + 10.0 * expected_gp, rtol=1e-5)
    # a per-pixel norm (over channels only) would give a clearly different value
    per_pixel = ((w.norm(dim=0) - 1) ** 2).mean()
    assert not math.isclose(float(per_pixel), float(expected_gp), rel_tol=0.05)
    # the penalty is differentiable (create_graph): d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    gp = gradient_penalty(D, real, fake)
    (grad,) = torch.autograd.grad(gp, D.w)
    assert torch.allclose(grad, 2 * (w.norm() - 1) * w / w.norm(), atol=1e-5)


def test_gradient_penalty_takes_the_norm_per_sample():
    real, fake = torch.randn(5, 2, 3, 3), torch.randn(5, 2, 3, 3)
    alpha = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
    x_hat = real + alpha.view(-1, 1, 1, 1) * (fake - real)
    expected = ((x_hat.flatten(1).norm(dim=1) - 1) ** 2).mean()
    per_pixel = ((x_hat.norm(dim=1) - 1) ** 2).mean()
    got = gradient_penalty(SquareCritic(), real, fake, alpha=alpha)
    assert torch.allclose(got, expected, rtol=1e-5)
    assert not torch.allclose(got, per_pixel, rtol=0.05)


def test_gradient_penalty_for_conditional_critics_and_points():
    w = torch.tensor([[3.0, 4.0], [0.6, 0.8], [1.0, 1.0]])  # norms 5, 1 and sqrt 2
    y = torch.tensor([0, 1, 2, 0])
    got = gradient_penalty(LinearCritic(w), torch.randn(4, 2), torch.randn(4, 2), y)
    expected = torch.tensor([16.0, 0.0, (math.sqrt(2) - 1) ** 2, 16.0]).mean()
    assert torch.allclose(got, expected, rtol=1e-5)


def test_conditional_critic_trains_with_wgan_gp():
    spec = tiny_spec("cgan", "mnist", loss="wgan-gp")
    _, logs = run_steps(spec, SHAPES["mnist"])
    assert all(torch.isfinite(log["gp"]) and torch.isfinite(log["d_loss"]) for log in logs)


# -- weight clipping ---------------------------------------------------------------------------


def test_wgan_trainer_clips_every_critic_weight():
    spec = tiny_spec("wgan", "mnist")
    assert spec.parts["trainer"].params["clip"] == 0.01
    assert spec.parts["trainer"].params["optimizer"] == "rmsprop"
    assert spec.parts["trainer"].params["d_steps"] == 5
    model, _ = run_steps(spec, SHAPES["mnist"], steps=1)
    params = torch.cat([p.detach().flatten() for p in model.discriminator.parameters()])
    assert params.abs().max() <= 0.01 + 1e-7
    assert (params.abs() > 0.01 - 1e-6).any()  # BN scales start near 1: they must have been clamped


# -- refused combinations -----------------------------------------------------------------------


def test_acgan_loss_needs_a_class_head():
    with pytest.raises(ConfigError, match="class-head") as exc:
        resolve(get_registry(), "dcgan", dataset="mnist", loss="acgan", generator="cdcgan")
    assert "discriminators that provide it: acgan" in str(exc.value)


def test_acgan_loss_needs_a_conditional_generator():
    with pytest.raises(ConfigError, match="'conditional'") as exc:
        resolve(get_registry(), "acgan", dataset="mnist", generator="dcgan")
    assert "cdcgan" in str(exc.value) and "cmlp" in str(exc.value)


def test_conditional_discriminator_needs_a_conditional_generator():
    with pytest.raises(ConfigError, match="discriminator 'cdcgan' needs 'conditional'"):
        resolve(get_registry(), "cgan", dataset="mnist", generator="mlp")


def test_plain_wasserstein_loss_needs_a_lipschitz_trainer():
    with pytest.raises(ConfigError, match="lipschitz") as exc:
        resolve(get_registry(), "dcgan", dataset="mnist", loss="wgan")
    assert "trainers that provide it: wgan" in str(exc.value)
    assert resolve(get_registry(), "dcgan", dataset="mnist", loss="wgan", trainer="wgan")


def test_conditional_families_need_labelled_data():
    reg = Registry.discover()
    reg.add(Component("unlabelled", "dataset", "images without labels", factory="x:y", provides={IMAGES}))
    for family in ("cgan", "acgan"):
        with pytest.raises(ConfigError, match="'labels'"):
            resolve(reg, family, dataset="unlabelled")
    assert resolve(reg, "wgan-gp", dataset="unlabelled")


def test_image_sides_must_be_divisible_by_four():
    odd = DataSpec("odd", "images", (1, 30, 30), DIGITS)
    with pytest.raises(ConfigError, match="divisible by 4"):
        build_model(tiny_spec("dcgan", "mnist"), odd)
