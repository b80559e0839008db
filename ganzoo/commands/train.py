"""``ganzoo train``: train any valid combination with live progress; see ``ganzoo train --help``."""

from __future__ import annotations

import os
import shutil
import sys

import rich_click as click


@click.command("train", context_settings={"show_default": True})
@click.argument("family", required=False)
@click.option("--dataset", "-d", help="Dataset name (see `ganzoo list --kind dataset`).")
@click.option(
    "--data-dir", type=click.Path(file_okay=False), help="Where the dataset lies (torchvision layout)."
)
@click.option("--download", is_flag=True, help="Download the dataset if it is missing (needs internet).")
@click.option("--generator", "-G", help="Swap the family's generator.")
@click.option("--discriminator", "-D", help="Swap the family's discriminator.")
@click.option("--loss", "-L", help="Swap the family's loss.")
@click.option("--trainer", "-T", help="Swap the family's trainer.")
@click.option("--steps", type=int, help="Generator updates (default: the family's).")
@click.option("--epochs", type=float, help="Passes over the data, instead of --steps.")
@click.option("--batch-size", "-b", type=int, help="Batch size (default: the family's).")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    help="Override any hyperparameter, e.g. --set loss.gp_weight=5 (repeatable).",
)
@click.option("--seed", type=int, default=0, help="Random seed (weights, data order, noise).")
@click.option("--device", default="auto", help="auto, cpu or cuda.")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Run folder [default: runs/<family>-<dataset>-<time>].",
)
@click.option(
    "--resume",
    type=click.Path(file_okay=False),
    help="Continue the run in this folder from its last checkpoint.",
)
@click.option("--eval-every", type=int, help="Evaluate every N steps and keep the best model.")
@click.option("--nproc", type=int, help="Train with N processes through torchrun (DistributedDataParallel).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def train_cmd(
    family,
    dataset,
    data_dir,
    download,
    generator,
    discriminator,
    loss,
    trainer,
    steps,
    epochs,
    batch_size,
    sets,
    seed,
    device,
    out,
    resume,
    eval_every,
    nproc,
    quiet,
) -> None:
    """Train FAMILY on a dataset, e.g. `ganzoo train dcgan --dataset mnist --steps 2000`."""
    from ganzoo.api import merge_overrides, resolve_run
    from ganzoo.config import parse_overrides
    from ganzoo.errors import ConfigError

    overrides = parse_overrides(list(sets))
    if eval_every is not None:
        overrides.setdefault("train", {})["eval_every"] = eval_every
    if resume is None:
        if not family or not dataset:
            raise ConfigError(
                "give a FAMILY and --dataset (e.g. `ganzoo train gan --dataset ring8`), or --resume RUN_DIR"
            )
        # validate everything (names, capabilities, --set types, numbers) before any data is read
        resolve_run(
            family,
            dataset=dataset,
            generator=generator,
            discriminator=discriminator,
            loss=loss,
            trainer=trainer,
            overrides=merge_overrides(overrides, steps=steps, epochs=epochs, batch_size=batch_size),
        )
    elif family or dataset:
        raise ConfigError(
            "--resume continues a run as configured; drop FAMILY/--dataset (or start a new run)"
        )
    if steps is not None and steps < 1:
        raise ConfigError(f"--steps must be at least 1, got {steps}")
    if nproc:
        _handover_to_torchrun(nproc)
        return
    from ganzoo.api import train

    try:
        result = train(
            family,
            dataset=dataset,
            data_dir=data_dir,
            download=download,
            generator=generator,
            discriminator=discriminator,
            loss=loss,
            trainer=trainer,
            overrides=overrides,
            steps=steps,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            device=device,
            out=out,
            resume=resume,
            quiet=quiet,
            return_result=True,
        )
    finally:
        _leave_process_group()
    if not quiet and result.run_dir is not None:
        _summary(result)
    if "TORCHELASTIC_RUN_ID" in os.environ:
        # under torchrun this rank is done and every file is written; leave without interpreter teardown,
        # where torch's C++ threads can still abort a rank ("terminate called without an active exception")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _leave_process_group() -> None:
    """Under torchrun this command is the whole program: close the process group train() joined, so its
    gloo/NCCL threads are not torn down at interpreter exit, which can abort a rank ("terminate called
    without an active exception")."""
    tdist = sys.modules.get("torch.distributed")  # not imported yet: no group, and no torch import on errors
    if tdist is not None and tdist.is_available() and tdist.is_initialized():
        tdist.destroy_process_group()


def _summary(result) -> None:
    from rich.console import Console

    run = result.run_dir
    cfg = result.model.config
    rate = cfg.get("run", {}).get("img_per_s", 0)
    c = Console()
    c.print(
        f"[bold green]done[/bold green]: {cfg['family']} on {cfg['dataset']['name']}, {result.steps} steps in "
        f"{result.seconds:.1f}s ({rate:.0f} img/s)"
    )
    sheets = sorted((run / "samples").glob("*.png"))
    c.print(f"  run folder  {run}")
    if sheets:
        c.print(f"  samples     {sheets[-1]}")
    c.print(f"  loss plot   {run / 'loss.png'}")
    c.print(f"  model       {run / 'model'}  (Hub layout)")
    c.print(f"  sample it   ganzoo sample {run} -n 64 -o grid.png")
    c.print(f"  share it    ganzoo push {run} <user>/{cfg['family']}-{cfg['dataset']['name']}")


def _handover_to_torchrun(nproc: int) -> None:
    """Re-run this very command under torchrun's own launcher, without --nproc."""
    from ganzoo.errors import ConfigError

    if nproc < 1:
        raise ConfigError(f"--nproc must be at least 1, got {nproc}")
    argv = sys.argv[1:]
    cleaned: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--nproc":
            skip = True
            continue
        if arg.startswith("--nproc="):
            continue
        cleaned.append(arg)
    torchrun = shutil.which("torchrun")
    cmd = [torchrun] if torchrun else [sys.executable, "-m", "torch.distributed.run"]
    cmd += ["--standalone", f"--nproc-per-node={nproc}", "-m", "ganzoo", *cleaned]
    os.execvp(cmd[0], cmd)
