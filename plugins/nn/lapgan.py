"""LAPGAN (Denton et al. 2015): a Laplacian pyramid of GANs, trained level by level on the real pyramid.

Levels run coarse to fine: level 0 is a plain GAN on the image downsampled ``levels - 1`` times (7×7 for
MNIST, 8×8 for CIFAR-10); level k > 0 generates the residual band of the 2^k-times larger image given the
upsampled coarser image (and its own noise), and its discriminator judges a residual given that image.
Sampling chains the levels: image_k = clamp(up(image_{k-1}) + residual_k, -1, 1).

Deviations from the paper, found by training on MNIST on one CPU thread (see the family's defaults):
each level's discriminator judges the residual the chain keeps, i.e. clipped so that the image stays in
[-1, 1] (a raw linear residual can never be exactly 0 on the flat background, which an unclipped D spots
at once and then wins every level); the finer levels' discriminators have no batch norm by default
(with it, D separated real from fake batches by their statistics and won); nets are narrower (16
channels) and learning rates higher (5e-4) than the paper's, which trains faster per CPU second.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.distributed as dist
import torch.nn.functional as F
from ganzoo_plugins.nn.conv import norm2d
from ganzoo_plugins.nn.mlp import MLPBody, MLPGenerator
from torch import nn

from ganzoo.data import Batch
from ganzoo.errors import ConfigError
from ganzoo.latent import Latent, sample_latent
from ganzoo.optim import make_optimizer
from ganzoo.spec import DataSpec, LatentSpec


def downsample(x: torch.Tensor) -> torch.Tensor:
    """Halve H and W by 2×2 averaging."""
    return F.avg_pool2d(x, 2)


def upsample(x: torch.Tensor) -> torch.Tensor:
    """Double H and W by bilinear interpolation."""
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def gaussian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """``x`` and its ``levels - 1`` downsamplings, coarsest first."""
    out = [x]
    for _ in range(levels - 1):
        out.append(downsample(out[-1]))
    return out[::-1]


def level_shapes(data: DataSpec, levels: int) -> list[tuple[int, int, int]]:
    """The (C, H, W) of every level, coarsest first; refuses data the pyramid cannot halve."""
    if not data.is_image or len(data.shape) != 3:
        raise ConfigError(f"LAPGAN needs images; {data.name!r} is {data.kind} shaped {data.shape}")
    c, h, w = data.shape
    f = 2 ** (levels - 1)
    if h % f or w % f or h // f < 4 or w // f < 4:
        raise ConfigError(
            f"a {levels}-level LAPGAN needs image sides divisible by {f} with a coarsest level of at least "
            f"4x4; {data.name!r} is {h}x{w} (change generator.levels/discriminator.levels or resize the images)"
        )
    return [(c, h // 2**k, w // 2**k) for k in range(levels - 1, -1, -1)]


class ResidualGenerator(nn.Module):
    """(noise, upsampled coarser image) -> residual band: the noise becomes one extra input plane, then
    three 3×3 convs (batch norm and ReLU between them, linear output)."""

    def __init__(self, shape: tuple[int, int, int], noise_dim: int, width: int) -> None:
        super().__init__()
        c, h, w = shape
        self.noise = nn.Sequential(nn.Linear(noise_dim, h * w), nn.Unflatten(1, (1, h, w)))
        self.net = nn.Sequential(
            nn.Conv2d(c + 1, width, 3, 1, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, 1, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, c, 3, 1, 1),
        )

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([cond, self.noise(z).to(cond.dtype)], 1))


class LapganGenerator(nn.Module):
    """Per-level generators in ``levels`` (coarsest first); ``z`` is split into one noise vector per level.

    ``forward(z)`` chains the levels to the full image; ``pyramid(z)`` returns every level's image and
    ``residuals(z)`` every level's output (the coarsest image, then the residual bands); see
    :func:`level_sheet` for a per-level sample sheet.
    """

    def __init__(
        self,
        data: DataSpec,
        noise_dim: int = 100,
        level_noise_dim: int = 32,
        levels: int = 3,
        hidden: str = "256,512",
        width: int = 64,
    ) -> None:
        super().__init__()
        if levels < 2:
            raise ConfigError("LAPGAN needs at least 2 levels (generator.levels)")
        shapes = level_shapes(data, levels)
        self.noise_dims = [noise_dim] + [level_noise_dim] * (levels - 1)
        self.latent = LatentSpec(sum(self.noise_dims))
        coarse = DataSpec(f"{data.name}@{shapes[0][1]}x{shapes[0][2]}", "images", shapes[0])
        self.levels = nn.ModuleList(
            [MLPGenerator(coarse, noise_dim, hidden)]
            + [ResidualGenerator(s, level_noise_dim, width) for s in shapes[1:]]
        )

    def split(self, z: torch.Tensor) -> list[torch.Tensor]:
        """One noise vector per level."""
        return list(torch.split(z, self.noise_dims, dim=1))

    def level(self, k: int, z: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Level ``k``'s output: the coarsest image (k = 0) or the residual given ``cond`` = up(coarser),
        clipped so that ``cond + residual`` stays in [-1, 1] (what the chain keeps, so what D judges)."""
        if k == 0:
            return self.levels[0](z)
        return (cond + self.levels[k](z, cond)).clamp(-1, 1) - cond

    def _chain(self, z: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        zs = self.split(z)
        image = self.levels[0](zs[0])
        images, outputs = [image], [image]
        for k in range(1, len(self.levels)):
            up = upsample(image)
            residual = self.level(k, zs[k], up)
            image = (up + residual).clamp(-1, 1)  # already in range, up to rounding
            images.append(image)
            outputs.append(residual)
        return images, outputs

    def pyramid(self, z: torch.Tensor) -> list[torch.Tensor]:
        """Every level's image, coarsest first; the last is ``forward(z)``."""
        return self._chain(z)[0]

    def residuals(self, z: torch.Tensor) -> list[torch.Tensor]:
        """The coarsest image, then each finer level's generated residual band (coarse to fine)."""
        return self._chain(z)[1]

    def level_rows(self, z: torch.Tensor, y: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Rows of a per-level sheet (ganzoo's optional generator protocol): the coarsest image, then for
        each finer level its residual band (scaled by its largest magnitude to fill [-1, 1]) and its image."""
        images, outputs = self._chain(z)
        rows = [images[0]]
        for residual, image in zip(outputs[1:], images[1:]):
            rows += [residual / residual.abs().amax().clamp_min(1e-8), image]
        return rows

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self._chain(z)[0][-1]


class CoarseDiscriminator(nn.Module):
    """The level-0 discriminator: an MLP on the coarsest image."""

    def __init__(self, shape: tuple[int, int, int], hidden: str, dropout: float) -> None:
        super().__init__()
        c, h, w = shape
        self.body = MLPBody(c * h * w, hidden, dropout)
        self.head = nn.Linear(self.body.out_features, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.body(x)).squeeze(1)


class ResidualDiscriminator(nn.Module):
    """(residual, upsampled coarser image) stacked on channels -> two stride-2 convs -> one score."""

    def __init__(self, shape: tuple[int, int, int], width: int, norm: str) -> None:
        super().__init__()
        c, h, w = shape
        h2, w2 = ((h - 2) // 2 + 1 - 2) // 2 + 1, ((w - 2) // 2 + 1 - 2) // 2 + 1
        self.net = nn.Sequential(
            nn.Conv2d(2 * c, width, 4, 2, 1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=norm == "none"),
            norm2d(norm, 2 * width),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(),
            nn.Linear(2 * width * h2 * w2, 1),
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(torch.cat([x, cond], 1)).squeeze(1)


class LapganDiscriminator(nn.Module):
    """Per-level discriminators in ``levels`` (coarsest first).

    ``forward(x, level=k, cond=c)`` scores level ``k``'s input (the coarsest image, or a residual band
    given ``c`` = the upsampled coarser image). ``forward(x)`` with no level scores full images: the mean
    of every level's score on the Laplacian pyramid of ``x``.
    """

    def __init__(
        self,
        data: DataSpec,
        latent: LatentSpec,
        levels: int = 3,
        hidden: str = "256,256",
        dropout: float = 0.3,
        width: int = 64,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        shapes = level_shapes(data, levels)
        self.levels = nn.ModuleList(
            [CoarseDiscriminator(shapes[0], hidden, dropout)]
            + [ResidualDiscriminator(s, width, norm) for s in shapes[1:]]
        )

    def forward(
        self,
        x: torch.Tensor,
        y: torch.Tensor | None = None,
        *,
        level: int | None = None,
        cond: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        if level is not None:
            return {"score": self.levels[level](x, cond)}
        inputs, conds = real_levels(x, len(self.levels))
        scores = [d(h, c) for d, h, c in zip(self.levels, inputs, conds)]
        return {"score": torch.stack(scores).mean(0)}


def real_levels(x: torch.Tensor, levels: int) -> tuple[list[torch.Tensor], list[torch.Tensor | None]]:
    """The Laplacian pyramid of real images: per level the input (coarsest image, then residual bands)
    and the conditioning image (None, then the upsampled coarser image)."""
    images = gaussian_pyramid(x, levels)
    conds: list[torch.Tensor | None] = [None] + [upsample(im) for im in images[:-1]]
    inputs = [images[0]] + [im - c for im, c in zip(images[1:], conds[1:])]
    return inputs, conds


@torch.no_grad()
def sample_levels(model, n: int, seed: int | None = None) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """``n`` samples of a LAPGAN ``GanModel`` level by level, on the CPU: every level's image (coarsest first,
    in [-1, 1]; the last is what ``model.sample(n, seed=seed)`` gives) and every level's generator output
    (the coarsest image, then the residual bands)."""
    G = model.generator
    if not isinstance(G, LapganGenerator):
        raise ValueError("this model's generator is not a LAPGAN pyramid: it has no levels to show")
    gen = torch.Generator(device=model.device)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    lat = sample_latent(model.latent, n, device=model.device, generator=gen)
    was = G.training
    G.eval()
    try:
        images, outputs = G._chain(lat.z)
    finally:
        G.train(was)
    return [im.float().cpu() for im in images], [o.float().cpu() for o in outputs]


def level_sheet(model, n: int = 8, seed: int | None = None) -> torch.Tensor:
    """A per-level sample sheet of ``n`` columns, ready for ``ganzoo.images.save_grid(sheet, path, nrow=n)``:
    rows are the coarsest image, then for each finer level its residual band (scaled by its largest
    magnitude to fill [-1, 1]) and the image it makes; all enlarged (nearest) to full size."""
    return model.sample_levels(n, seed=seed)


def _peel(net: nn.Module) -> tuple[nn.Module, bool]:
    """The plain module inside ``torch.compile`` and DistributedDataParallel wrappers (in any order), and
    whether DistributedDataParallel was among them."""
    ddp = False
    while True:
        if isinstance(net, nn.parallel.DistributedDataParallel):
            net, ddp = net.module, True
        elif isinstance(getattr(net, "_orig_mod", None), nn.Module):
            net = net._orig_mod
        else:
            return net, ddp


def _level_d(D: nn.Module, k: int, cond: torch.Tensor | None) -> Callable[..., dict[str, torch.Tensor]]:
    """The callable a loss plugin sees for level ``k``: ``D(x, y)`` with the coarser image bound."""

    def call(x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        return D(x, y, level=k, cond=cond)

    return call


class LapganTrainer:
    """Trains every level on the real image pyramid of each batch with the chosen loss, one optimiser per
    level and net: ``d_steps`` discriminator updates of all levels, then one generator update of all levels.

    Level k's discriminator sees the real residual band and a generated one, both conditioned on the same
    real upsampled coarser image; level 0 is a plain GAN on the coarsest image. Levels are called on the
    plain nets (inside any ``torch.compile``/DistributedDataParallel wrapper); under DDP the trainer
    averages the gradients across processes itself.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        loss,
        latent: LatentSpec,
        *,
        optimizer: str = "adam",
        lr_g: float = 2e-4,
        lr_d: float = 2e-4,
        beta1: float = 0.5,
        beta2: float = 0.999,
        d_steps: int = 1,
    ) -> None:
        (G, self._g_ddp), (D, self._d_ddp) = _peel(generator), _peel(discriminator)
        for role, net in (("generator", G), ("discriminator", D)):
            if not isinstance(getattr(net, "levels", None), nn.ModuleList):
                raise ConfigError(f"the lapgan trainer needs a pyramid {role} (one with `levels`)")
        if len(G.levels) != len(D.levels):
            raise ConfigError(
                f"generator has {len(G.levels)} levels but discriminator has {len(D.levels)}; "
                "set generator.levels and discriminator.levels to the same number"
            )
        self.G, self.D, self.loss, self.latent = G, D, loss, latent
        self.d_steps = d_steps
        betas = (beta1, beta2)
        self.opt_g = [make_optimizer(optimizer, lvl.parameters(), lr_g, betas) for lvl in G.levels]
        self.opt_d = [make_optimizer(optimizer, lvl.parameters(), lr_d, betas) for lvl in D.levels]

    @staticmethod
    def _update(net: nn.Module, ddp: bool, opts: list[torch.optim.Optimizer], loss: torch.Tensor) -> None:
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        loss.backward()
        # Levels are called directly, not through a DistributedDataParallel forward: average gradients here.
        if ddp and dist.is_initialized():
            world = dist.get_world_size()
            for p in net.parameters():
                if p.grad is not None:
                    dist.all_reduce(p.grad)
                    p.grad.div_(world)
        for opt in opts:
            opt.step()

    def step(
        self, next_batch: Callable[[], Batch], next_latent: Callable[[int], Latent]
    ) -> dict[str, torch.Tensor]:
        G, D = self.G, self.D
        n_levels = len(G.levels)
        logs: dict[str, torch.Tensor] = {}
        for _ in range(self.d_steps):
            real = next_batch()
            inputs, conds = real_levels(real.x, n_levels)
            lat = next_latent(real.x.shape[0])
            zs = G.split(lat.z)
            with torch.no_grad():
                fakes = [G.level(k, zs[k], conds[k]) for k in range(n_levels)]
            d_loss = real.x.new_zeros(())
            for k in range(n_levels):
                lk, lk_logs = self.loss.discriminator(
                    _level_d(D, k, conds[k]), Batch(inputs[k], real.y), fakes[k], lat._replace(z=zs[k])
                )
                d_loss = d_loss + lk
                logs[f"d_loss_l{k}"] = lk.detach()
                logs.update({f"{name}_l{k}": v.detach() for name, v in lk_logs.items()})
            self._update(D, self._d_ddp, self.opt_d, d_loss)
        lat = next_latent(real.x.shape[0])
        zs = G.split(lat.z)
        D.requires_grad_(False)  # the generator update needs no discriminator gradients
        try:
            g_loss = real.x.new_zeros(())
            for k in range(n_levels):
                fake = G.level(k, zs[k], conds[k])
                lk, lk_logs = self.loss.generator(
                    _level_d(D, k, conds[k]), fake, lat._replace(z=zs[k]), Batch(inputs[k], real.y)
                )
                g_loss = g_loss + lk
                logs[f"g_loss_l{k}"] = lk.detach()
                logs.update({f"{name}_l{k}": v.detach() for name, v in lk_logs.items()})
            self._update(G, self._g_ddp, self.opt_g, g_loss)
        finally:
            D.requires_grad_(True)
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(), **logs}

    def optimizers(self) -> list[torch.optim.Optimizer]:
        """Every level's optimisers, for the engine's learning-rate schedule."""
        return [*self.opt_g, *self.opt_d]

    def state_dict(self) -> dict:
        return {"opt_g": [o.state_dict() for o in self.opt_g], "opt_d": [o.state_dict() for o in self.opt_d]}

    def load_state_dict(self, state: dict) -> None:
        for opt, s in zip(self.opt_g + self.opt_d, state["opt_g"] + state["opt_d"]):
            opt.load_state_dict(s)
