"""``ganzoo eval``: measure a model with the metrics that fit its data, and record them next to it."""

from __future__ import annotations

import json
from pathlib import Path

import rich_click as click


def metrics_folder(source: str) -> Path | None:
    """Where ``metrics.json`` goes for ``source``: the model folder (a run's ``model/``), else the run folder.

    None for a Hub repo id: its files live in the read-only Hub cache.
    """
    from ganzoo.modelio import CONFIG_NAME, WEIGHTS_NAME

    path = Path(source).expanduser()
    if not path.is_dir():
        return None
    for folder in (path, path / "model"):
        if (folder / CONFIG_NAME).is_file() and (folder / WEIGHTS_NAME).is_file():
            return folder
    return path


def write_metrics(folder: Path, summary: dict) -> Path:
    """Write ``metrics.json`` atomically; a ganzoo-generated model card is rewritten to show them."""
    from ganzoo.fsutil import atomic_text
    from ganzoo.modelio import CARD_NAME, METRICS_NAME, WEIGHTS_NAME, refresh_card

    path = folder / METRICS_NAME
    text = json.dumps(summary, indent=2) + "\n"
    atomic_text(path, text)
    if (folder / WEIGHTS_NAME).is_file() and (folder / CARD_NAME).is_file():
        refresh_card(folder)
    return path


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e6 else f"{value:.4g}"


@click.command("eval")
@click.argument("source")
@click.option(
    "-n",
    "--samples",
    type=click.IntRange(min=2),
    default=10_000,
    show_default=True,
    help="Samples to draw and measure.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON for scripts.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the dataset is (default: the one recorded at training, else the dataset's default).",
)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N or auto.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the samples measured.")
@click.option("--batch-size", type=click.IntRange(min=1), default=500, show_default=True, help="Batch size.")
@click.option("--revision", help="Hub revision (branch, tag or commit) when SOURCE is a repo id.")
@click.option("--no-save", is_flag=True, help="Do not write metrics.json.")
def eval_cmd(
    source: str,
    samples: int,
    as_json: bool,
    data_dir: Path | None,
    device: str,
    seed: int,
    batch_size: int,
    revision: str | None,
    no_save: bool,
) -> None:
    """Evaluate a model: SOURCE is a Hub repo id (user/name[@rev]), a model folder or a run folder.

    Images are measured through a small domain classifier that ganzoo trains once on the dataset's
    real training split (cached): Fréchet distance against the real test split with its real-data floor,
    classifier score, class histogram, requested-label accuracy (conditional models) and categorical-code
    accuracy (InfoGAN). 2-D mixtures: modes covered and the share of high-quality samples.
    metrics.json is written into the model folder (a run's model/), and its model card updated.
    """
    from ganzoo.devices import resolve_device
    from ganzoo.metrics import DESCRIPTIONS, evaluate
    from ganzoo.modelio import load

    device = resolve_device(device)
    model = load(source, device=device, revision=revision)
    result = evaluate(
        model,
        n_samples=samples,
        data_dir=data_dir,
        device=device,
        batch_size=batch_size,
        seed=seed,
        quiet=as_json,
    )
    written = None
    folder = None if no_save else metrics_folder(source)
    if folder is not None:
        written = write_metrics(folder, result.summary())
    if as_json:
        click.echo(
            json.dumps({**result.to_json(), "written": None if written is None else str(written)}, indent=2)
        )
        return

    from rich.console import Console
    from rich.table import Table

    console = Console()
    family = result.info.get("family") or "model"
    table = Table(
        title=f"{family} on {result.info['dataset']}: {samples} samples (seed {seed})", title_justify="left"
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("meaning", overflow="fold")
    for name, value in result.metrics.items():
        style = "bold" if name == result.main else None
        table.add_row(name, _fmt(value), DESCRIPTIONS.get(name, ""), style=style)
    console.print(table)
    if result.histogram:
        hist = "  ".join(f"{k}: {v}" for k, v in result.histogram.items())
        what = "predicted classes" if result.metrics.get("fd") is not None else "nearest modes"
        console.print(f"{what}: {hist}")
    better = "higher" if result.higher_is_better else "lower"
    console.print(f"main metric: [bold]{result.main}[/bold] ({better} is better)")
    if written is not None:
        console.print(f"wrote {written}")
    elif folder is None and not no_save:
        console.print("metrics.json not written: SOURCE is a Hub repo (evaluate a local folder to keep them)")
