"""``ganzoo compare``: one family's combinations × seeds on one dataset, in one table; see ``--help``."""

from __future__ import annotations

import shlex

import rich_click as click


def _command_line(
    family,
    dataset,
    data_dir,
    generators,
    discriminators,
    losses,
    trainers,
    seeds,
    steps,
    batch_size,
    sets,
    samples,
    device,
    out,
) -> str:
    """The command that reproduces this comparison, for its report."""
    args = ["ganzoo", "compare", family, "--dataset", dataset]
    for flag, value in (
        ("--data-dir", data_dir),
        ("--generator", generators),
        ("--discriminator", discriminators),
        ("--loss", losses),
        ("--trainer", trainers),
        ("--seeds", seeds),
        ("--steps", steps),
        ("--batch-size", batch_size),
        ("--samples", samples),
        ("--device", device),
        ("--out", out),
    ):
        if value is not None:
            args += [flag, str(value)]
    for pair in sets:
        args += ["--set", pair]
    return shlex.join(args)


@click.command("compare", context_settings={"show_default": True})
@click.argument("family")
@click.option("--dataset", "-d", required=True, help="Dataset name (see `ganzoo list --kind dataset`).")
@click.option(
    "--data-dir", type=click.Path(file_okay=False), help="Where the dataset lies (torchvision layout)."
)
@click.option("--download", is_flag=True, help="Download the dataset if it is missing (needs internet).")
@click.option("--generator", "-G", "generators", help="Generators to compare, comma-separated.")
@click.option("--discriminator", "-D", "discriminators", help="Discriminators to compare, comma-separated.")
@click.option(
    "--loss", "-L", "losses", help="Losses to compare, comma-separated (e.g. bce,wgan-gp,hinge,lsgan)."
)
@click.option("--trainer", "-T", "trainers", help="Trainers to compare, comma-separated.")
@click.option("--seeds", default="0,1,2", help="Seeds of every combination, comma-separated.")
@click.option("--steps", type=int, help="Generator updates per run (default: the family's).")
@click.option("--batch-size", "-b", type=int, help="Batch size (default: the family's).")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    help="Override a hyperparameter in every combination whose component has it (repeatable).",
)
@click.option(
    "--samples", "-n", type=click.IntRange(min=2), default=10_000, help="Samples each run is evaluated on."
)
@click.option("--device", default="auto", help="auto, cpu or cuda.")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Comparison folder [default: runs/compare-<family>-<dataset>-<time>]; run again to continue.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress lines and no table.")
def compare_cmd(
    family,
    dataset,
    data_dir,
    download,
    generators,
    discriminators,
    losses,
    trainers,
    seeds,
    steps,
    batch_size,
    sets,
    samples,
    device,
    out,
    quiet,
) -> None:
    """Train FAMILY with each listed part (the product of the lists) over several seeds, evaluate every run
    and write comparison.md / comparison.json (mean ± std over seeds per combination) and sheets/.

    e.g. `ganzoo compare dcgan --dataset mnist --loss bce,wgan-gp,hinge,lsgan --seeds 0,1,2 --steps 5000`.
    Every combination is checked before the first run starts.
    """
    from ganzoo.compare import run_comparison

    def log(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    result = run_comparison(
        family,
        dataset=dataset,
        out=out,
        data_dir=data_dir,
        download=download,
        generators=generators,
        discriminators=discriminators,
        losses=losses,
        trainers=trainers,
        seeds=seeds,
        steps=steps,
        batch_size=batch_size,
        overrides=list(sets),
        samples=samples,
        device=device,
        command=_command_line(
            family,
            dataset,
            data_dir,
            generators,
            discriminators,
            losses,
            trainers,
            seeds,
            steps,
            batch_size,
            sets,
            samples,
            device,
            out,
        ),
        log=log,
    )
    if not quiet:
        from rich.console import Console
        from rich.markdown import Markdown

        table = [
            line for line in (result.out / "comparison.md").read_text().splitlines() if line.startswith("|")
        ]
        console = Console()
        console.print(Markdown("\n".join(table)))
        budget = result.report["budget"]
        console.print(f"{budget['runs']} runs in {budget['wall_seconds'] / 60:.1f} min")
        console.print(f"  table   {result.out / 'comparison.md'}")
        console.print(f"  json    {result.out / 'comparison.json'}")
        console.print(f"  sheets  {result.out / 'sheets'}")
