"""The training engine: data on the device, the trainer plugin's steps, logging, sample sheets,
checkpoints, signals and the final model folder. It knows no model by name.

Under ``torchrun`` (``WORLD_SIZE > 1``) every net is wrapped in DistributedDataParallel, each rank reads
its own shard with its own noise, and only rank 0 writes files or shows progress.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import torch

from ganzoo.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from ganzoo.config import RunSpec
from ganzoo.data import Batcher, TensorData
from ganzoo.devices import cpu_threads, resolve_device
from ganzoo.errors import ConfigError, DataError, TrainingError
from ganzoo.fsutil import atomic_text
from ganzoo.latent import Latent, sample_latent
from ganzoo.model import GanModel, build_loss, build_model, build_trainer

SCHEMA_VERSION = 1


def init_distributed(device: str) -> Dist:
    """Join the process group torchrun set up (gloo on the CPU, NCCL on GPUs); a no-op alone."""
    d = Dist.from_env()
    if d.world_size > 1 and not torch.distributed.is_initialized():
        use_cuda = device != "cpu" and torch.cuda.is_available()
        if use_cuda:
            torch.cuda.set_device(d.local_rank)
        torch.distributed.init_process_group("nccl" if use_cuda else "gloo")
    return d


class TrainingInterrupted(TrainingError):
    """Ctrl-C or SIGTERM: the run saved a checkpoint and can be resumed."""


@dataclass
class Dist:
    """This process's place in a distributed run (a single process by default)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls) -> Dist:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        return cls(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))


@dataclass
class RunResult:
    """What :func:`train` leaves: the trained model and where its files went."""

    model: GanModel
    run_dir: Path | None
    steps: int
    seconds: float
    history: list[dict[str, Any]] = field(default_factory=list)


def pick_device(device: str, dist: Dist) -> torch.device:
    """The training device; under torchrun each rank takes the GPU of its local rank."""
    device = resolve_device(device)
    if device.startswith("cuda") and dist.world_size > 1:
        return torch.device("cuda", dist.local_rank)
    return torch.device(device)


def default_run_dir(spec: RunSpec) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{spec.family}-{spec.dataset.component.name}-{stamp}"


def prepare_run_dir(out: Path) -> Path:
    """Create ``out`` for a new run, refusing one that holds a run already or cannot be written."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(
            f"{out} is not empty; pass --resume {out} to continue that run, or choose another --out"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"cannot write the run folder {out}: {exc.strerror or exc}; choose another --out"
        ) from None
    return out


def load_data(spec: RunSpec, data_dir: str | Path | None, download: bool, split: str = "train") -> TensorData:
    impl = spec.dataset.component.load()
    try:
        return impl.load(split, data_dir, download, **spec.dataset.params)
    except (DataError, ConfigError):
        raise
    except (OSError, ValueError) as exc:
        raise DataError(
            f"could not read dataset {spec.dataset.component.name!r}: {exc}".splitlines()[0]
        ) from None


def fixed_sheet_latent(model: GanModel, device: torch.device, seed: int) -> Latent:
    """The noise every sample sheet reuses: 64 samples, or one row of 8 per class (at most 10 classes shown)."""
    gen = torch.Generator(device=device).manual_seed(seed + 7919)
    spec = model.latent
    if spec.conditional:
        k = min(spec.num_classes, 10)
        labels = torch.arange(k, device=device).repeat_interleave(8)
        return sample_latent(spec, len(labels), device=device, generator=gen, labels=labels)
    if spec.categorical:
        k = min(spec.categorical[0], 10)
        codes = torch.zeros(k * 8, len(spec.categorical), dtype=torch.long, device=device)
        codes[:, 0] = torch.arange(k, device=device).repeat_interleave(8)
        return sample_latent(spec, len(codes), device=device, generator=gen, codes=codes)
    return sample_latent(spec, 64 if model.data.is_image else 2000, device=device, generator=gen)


class _Signals:
    """Turn SIGINT/SIGTERM into a flag the loop checks after each step."""

    #: Signals this close to the first are the same stop request (a terminal's Ctrl-C reaches every
    #: process of the group, and torchrun forwards its own SIGTERM on top).
    GRACE_S = 5.0

    def __init__(self) -> None:
        self.stop: str | None = None
        self._first = 0.0
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        if hasattr(signal, "SIGTERM") and _in_main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.stop is not None:
            if time.monotonic() - self._first > self.GRACE_S:  # a second, later Ctrl-C: stop now
                raise KeyboardInterrupt
            return
        self.stop = signal.Signals(signum).name
        self._first = time.monotonic()

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class Engine:
    """One training run of a resolved :class:`RunSpec`."""

    def __init__(
        self,
        spec: RunSpec,
        *,
        data: TensorData,
        run_dir: Path | None,
        device: str = "auto",
        seed: int = 0,
        quiet: bool = False,
        callbacks: list[Callable[[Engine, int, dict[str, float] | None], None]] | None = None,
    ) -> None:
        self.spec, self.run_dir, self.seed, self.quiet = spec, run_dir, seed, quiet
        self.dist = Dist.from_env()
        self.device = pick_device(device, self.dist)
        self.callbacks = callbacks or []
        t = spec.train
        if t["sync_bn"] and self.device.type != "cuda":
            raise ConfigError(
                "train.sync_bn needs CUDA GPUs (torch's SyncBatchNorm runs only there); on the CPU the ranks' "
                "BatchNorm statistics are averaged at every checkpoint instead"
            )
        torch.manual_seed(seed)  # weight init
        self.model = build_model(spec, data.spec).to(self.device)
        if t["channels_last"] and data.spec.is_image:
            self.model.to(memory_format=torch.channels_last)
        self.data = data
        self.batcher = Batcher(
            data.to(self.device),
            t["batch_size"],
            seed=seed,
            rank=self.dist.rank,
            world_size=self.dist.world_size,
        )
        self.noise = torch.Generator(device=self.device).manual_seed(seed * 1000 + 1 + self.dist.rank)
        G, D = self.model.generator, self.model.discriminator
        if self.dist.world_size > 1:
            G, D = self._wrap_ddp(G), self._wrap_ddp(D)
        if t["compile"]:
            G, D = torch.compile(G), torch.compile(D)
        self.G, self.D = G, D
        self.loss = build_loss(spec)
        self.trainer = build_trainer(spec, G, D, self.loss, self.model.latent)
        self._decayed = self._scheduled_optimizers() if t["lr_decay"] != "none" else []
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self.sheet_latent = fixed_sheet_latent(self.model, self.device, seed)
        self.config = self._config(data)
        self.model.config = self.config
        self.best: tuple[float, int] | None = None
        self._sheet: tuple[int, Path] | None = None  # (step, path) of the last sample sheet

    # -- setup ---------------------------------------------------------------------------------
    def _wrap_ddp(self, net: torch.nn.Module) -> torch.nn.Module:
        from torch.nn.parallel import DistributedDataParallel as DDP

        if self.spec.train["sync_bn"]:
            net = torch.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        ids = [self.device.index] if self.device.type == "cuda" else None
        # find_unused_parameters: a head the chosen loss ignores (ACGAN's class head under a plain
        # BCE loss, say) must not stall the gradient all-reduce
        return DDP(net, device_ids=ids, broadcast_buffers=True, find_unused_parameters=True)

    def _config(self, data: TensorData) -> dict[str, Any]:
        from ganzoo.modelio import model_config

        extra = {
            "run": {
                "started": datetime.now().isoformat(timespec="seconds"),
                "world_size": self.dist.world_size,
                "device": self.device.type,
                "examples": len(data),
            }
        }
        return model_config(self.model, self.spec, seed=self.seed, steps_done=0, extra=extra)

    def _next_latent(self, n: int) -> Latent:
        return sample_latent(self.model.latent, n, device=self.device, generator=self.noise)

    # -- state ---------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        state = {
            "trainer": self.trainer.state_dict(),
            "batcher": self.batcher.state_dict(),
            "noise": self.noise.get_state(),
            "torch_rng": torch.get_rng_state(),
            "best": list(self.best) if self.best else None,
        }
        if self.device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state(self.device)
        return state

    def resume(self, run_dir: Path) -> None:
        ckpt = latest_checkpoint(run_dir)
        if ckpt is None:
            raise ConfigError(f"{run_dir} holds no complete checkpoint to resume from")
        step, nets, state = load_checkpoint(ckpt)
        self.model.load_state_dict(nets, strict=True)
        self.trainer.load_state_dict(state["trainer"])
        self.batcher.load_state_dict(state["batcher"])
        self.noise.set_state(state["noise"])
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda_rng"], self.device)
        self.best = tuple(state["best"]) if state.get("best") else None
        self.step = step
        metrics = run_dir / "metrics.jsonl"
        if metrics.is_file():
            lines = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
            self.history = [h for h in lines if h.get("step", 0) <= step]
            if self.dist.main:  # drop lines logged after the checkpoint: they will be logged again
                atomic_text(metrics, "".join(json.dumps(h) + "\n" for h in self.history))

    def _sync_buffers(self) -> None:
        """Average BatchNorm running statistics over ranks (each rank updated them on its own shard)."""
        if self.dist.world_size == 1:
            return
        for buf in self.model.buffers():
            if buf.is_floating_point():
                torch.distributed.all_reduce(buf, op=torch.distributed.ReduceOp.SUM)
                buf.div_(self.dist.world_size)

    def checkpoint(self) -> Path | None:
        """Write a checkpoint (rank 0); every rank must call it, as buffers are synchronised first."""
        self._sync_buffers()
        if self.run_dir is None or not self.dist.main:
            return None
        return save_checkpoint(self.run_dir / "checkpoints", self.step, self.model.state_dict(), self.state())

    # -- outputs -------------------------------------------------------------------------------
    @torch.no_grad()
    def sample_sheet(self) -> Path | None:
        """Draw the sheets of this step (rank 0), once: evaluation and the end may ask again."""
        if self.run_dir is None or not self.dist.main:
            return None
        if self._sheet is not None and self._sheet[0] == self.step:
            return self._sheet[1]
        from ganzoo.images import save_grid, save_scatter

        G = self.model.generator
        was = G.training
        G.eval()
        try:
            x = G(self.sheet_latent.z, self.sheet_latent.y).float().cpu()
        finally:
            G.train(was)
        path = self.run_dir / "samples" / f"step-{self.step:07d}.png"
        if self.model.data.is_image:
            rows = self.model.latent.conditional or bool(self.model.latent.categorical)
            save_grid(x, path, nrow=8 if rows else None)
            if self.model.has_levels:
                sheet = self.model.sample_levels(8, seed=self.seed + 7919)
                save_grid(sheet, path.with_name(f"levels-{path.name}"), nrow=8)
        else:
            from ganzoo.critic_map import save_critic_map

            real = self.data.x[:2000].float()
            title = f"{self.spec.family} on {self.data.spec.name}, step {self.step}"
            save_scatter(x, path, real=real, title=title)
            save_critic_map(self.model, path.with_name(f"critic-{path.name}"), real=real, fake=x, title=title)
        self._sheet = (self.step, path)
        return path

    def loss_plot(self) -> Path | None:
        if self.run_dir is None or not self.dist.main or not self.history:
            return None
        from ganzoo.plots import save_loss_plot

        return save_loss_plot(self.history, self.run_dir / "loss.png", title=f"{self.spec.family} losses")

    def write_config(self) -> None:
        if self.run_dir is not None and self.dist.main:
            self.config["train"]["steps_done"] = self.step
            atomic_text(self.run_dir / "config.json", json.dumps(self.config, indent=2) + "\n")

    # -- the loop ------------------------------------------------------------------------------
    def total_steps(self) -> int:
        t = self.spec.train
        if t["epochs"] > 0:
            per_step = self.trainer_batches_per_step() * t["batch_size"] * self.dist.world_size
            return max(1, math.ceil(t["epochs"] * len(self.data) / per_step))
        return t["steps"]

    def _scheduled_optimizers(self) -> list[torch.optim.Optimizer]:
        """The trainer's optimisers (its optional ``optimizers()``), each group's starting rate kept as
        ``initial_lr`` (saved with the optimiser's state, so a resumed run continues the same schedule)."""
        get = getattr(self.trainer, "optimizers", None)
        if get is None:
            raise ConfigError(
                f"train.lr_decay needs a trainer that lists its optimisers (optimizers()); "
                f"{self.spec.parts['trainer'].component.name!r} does not: use --set train.lr_decay=none"
            )
        opts = list(get())
        for opt in opts:
            for group in opt.param_groups:
                group.setdefault("initial_lr", group["lr"])
        return opts

    def trainer_batches_per_step(self) -> int:
        return int(getattr(self.trainer, "d_steps", 1))

    def run(self) -> RunResult:
        """Train to the last step (or until stopped); torch's CPU thread count is set for the run
        (``train.threads``, 0: auto, see :func:`ganzoo.devices.cpu_threads`) and restored after it."""
        before = torch.get_num_threads()
        threads = cpu_threads(self.spec.train["threads"])
        if threads:
            torch.set_num_threads(threads)
        self.config["run"]["threads"] = torch.get_num_threads()
        try:
            return self._run()
        finally:
            torch.set_num_threads(before)

    def _run(self) -> RunResult:
        t = self.spec.train
        total = self.total_steps()
        self.write_config()
        amp = torch.autocast(self.device.type, dtype=torch.bfloat16) if t["amp"] else contextlib.nullcontext()
        bad = torch.zeros((), dtype=torch.bool, device=self.device)
        sums: dict[str, torch.Tensor] = {}
        count = 0
        start_images, t0 = self.batcher.images_seen, time.perf_counter()
        last_log_t, last_log_images = t0, start_images
        progress = _Progress(
            total, self.step, enabled=self.dist.main and not self.quiet and sys.stderr.isatty()
        )
        last_good: int | None = self.step if self.step else None
        stopping = False
        with _Signals() as sigs, progress:
            while self.step < total and not stopping:
                for opt in self._decayed:  # linear decay: full rate at step 0, zero after the last step
                    for group in opt.param_groups:
                        group["lr"] = group["initial_lr"] * (1 - self.step / total)
                with amp:
                    logs = self.trainer.step(self.batcher, self._next_latent)
                self.step += 1
                stacked = torch.stack([v.float() for v in logs.values()])
                bad |= ~torch.isfinite(stacked).all()
                for k, v in logs.items():
                    sums[k] = sums[k] + v.float() if k in sums else v.float()
                count += 1
                at_end = self.step == total
                at_log = self.step % t["log_every"] == 0 or at_end
                if at_log:
                    if bad.item():
                        raise self._diverged(last_good)
                    now = time.perf_counter()
                    imgs = self.batcher.images_seen
                    rate = (imgs - last_log_images) * self.dist.world_size / max(now - last_log_t, 1e-9)
                    line = {
                        "step": self.step,
                        "epoch": round(self.batcher.epochs_done, 4),
                        "images": imgs * self.dist.world_size,
                        "time": round(now - t0, 3),
                        "img_per_s": round(rate, 1),
                    }
                    line.update({k: round(float(v) / count, 6) for k, v in sums.items()})
                    self._log(line)
                    progress.update(self.step, line)
                    sums, count, last_log_t, last_log_images = {}, 0, now, imgs
                    for cb in self.callbacks:
                        cb(self, self.step, line)
                else:
                    for cb in self.callbacks:
                        cb(self, self.step, None)
                if t["sample_every"] and self.step % t["sample_every"] == 0 and not at_end:
                    self.sample_sheet()
                if t["eval_every"] and self.step % t["eval_every"] == 0:
                    self._evaluate_keep_best()
                if t["checkpoint_every"] and self.step % t["checkpoint_every"] == 0 and not at_end:
                    if bad.item():
                        raise self._diverged(last_good)
                    self.checkpoint()
                    last_good = self.step
                stopping = self._agree_to_stop(sigs.stop is not None, at_log)
            if bool(bad.item()):
                raise self._diverged(last_good)
            seconds = time.perf_counter() - t0
            self.checkpoint()
            self.write_config()
            if sigs.stop is not None:
                raise TrainingInterrupted(
                    f"stopped by {sigs.stop} at step {self.step}; checkpoint saved"
                    + (f", continue with `ganzoo train --resume {self.run_dir}`" if self.run_dir else "")
                )
        images = (self.batcher.images_seen - start_images) * self.dist.world_size
        self.config["run"]["seconds"] = round(seconds, 2)
        self.config["run"]["img_per_s"] = round(images / max(seconds, 1e-9), 1)
        self.finish()
        return RunResult(self.model, self.run_dir, self.step, seconds, self.history)

    def _agree_to_stop(self, asked: bool, at_log: bool) -> bool:
        """Single process: stop as soon as asked. Distributed: all ranks agree at logging steps, so
        every rank stops after the same step and none waits forever in an all-reduce."""
        if self.dist.world_size == 1:
            return asked
        if not at_log:
            return False
        flag = torch.tensor([1.0 if asked else 0.0], device=self.device)
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
        return bool(flag.item())

    def finish(self) -> None:
        """Sample sheet, loss plot and the Hub-layout model folder (rank 0 only)."""
        if self.run_dir is None or not self.dist.main:
            return
        from ganzoo.critic_map import critic_map_of, save_critic_sequence
        from ganzoo.modelio import save_model

        sheet = self.sample_sheet()
        save_critic_sequence(self.run_dir)  # critic-maps.gif/.png of a 2-D run; nothing for images
        self.loss_plot()
        self.write_config()
        if self.best is None:  # with --eval-every, model/ already holds the best evaluated model
            save_model(
                self.model, self.run_dir / "model", sample_sheet=sheet, critic_map=critic_map_of(sheet)
            )

    def _evaluate_keep_best(self) -> None:
        """Evaluate (rank 0) and, when the main metric improved, write this model to ``model/``."""
        if not self.dist.main:
            return
        from ganzoo.critic_map import critic_map_of
        from ganzoo.metrics import evaluate
        from ganzoo.modelio import save_model

        result = evaluate(self.model, n_samples=2000, device=str(self.device), seed=self.seed)
        self._log({"step": self.step, "eval": result.metrics, "main": result.main})
        best = self.best
        improved = math.isfinite(result.value) and (
            best is None or (result.value > best[0] if result.higher_is_better else result.value < best[0])
        )
        if improved and self.run_dir is not None:
            self.best = (result.value, self.step)
            self.config["train"]["steps_done"] = self.step
            self.config["run"]["best"] = {"step": self.step, result.main: result.value}
            sheet = self.sample_sheet()
            save_model(
                self.model,
                self.run_dir / "model",
                sample_sheet=sheet,
                metrics=result.summary(),
                critic_map=critic_map_of(sheet),
            )

    def _log(self, line: dict[str, Any]) -> None:
        self.history.append(line)
        if self.run_dir is not None and self.dist.main:
            with open(self.run_dir / "metrics.jsonl", "a") as f:
                f.write(json.dumps(line) + "\n")

    def _diverged(self, last_good: int | None) -> TrainingError:
        where = (
            f"the last good checkpoint (step {last_good}) is kept in {self.run_dir}"
            if last_good and self.run_dir
            else "no checkpoint was written before it"
        )
        return TrainingError(
            f"training diverged: a loss became NaN or infinite by step {self.step}; {where}. "
            "Lower the learning rates (--set trainer.lr_d=..., trainer.lr_g=...) or try another loss"
        )


class _Progress:
    """A rich progress bar with step, losses, images/s and ETA; a no-op when disabled."""

    def __init__(self, total: int, start: int, enabled: bool) -> None:
        self.enabled = enabled
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("[bold]train"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"),
                TimeRemainingColumn(),
                transient=False,
            )
            self.task = self.bar.add_task("train", total=total, completed=start, info="")

    def __enter__(self) -> _Progress:
        if self.enabled:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.__exit__(*exc)

    def update(self, step: int, line: dict[str, Any]) -> None:
        if self.enabled:
            losses = " ".join(f"{k}={v:.3f}" for k, v in line.items() if k.endswith("loss"))
            self.bar.update(self.task, completed=step, info=f"{losses} {line['img_per_s']:.0f} img/s")
