"""``ganzoo sample``: draw samples from a Hub repo, a model folder or a run folder into a PNG."""

from __future__ import annotations

import random
from pathlib import Path

import rich_click as click

from ganzoo.errors import ConfigError


def _cycle(values: list, n: int) -> list:
    return [values[i % len(values)] for i in range(n)]


def parse_labels(text: str | None, n: int) -> list[int] | None:
    """``"3,3,7"`` -> n labels, the given ones repeated in order to fill ``n``."""
    if not text:
        return None
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(
            f"--labels takes comma-separated class numbers (e.g. 3,3,7), got {text!r}"
        ) from None
    if not values:
        raise ConfigError("--labels is empty")
    return _cycle(values, n)


def parse_codes(text: str | None, n: int) -> list[list[int]] | None:
    """``"0,1,2"`` (one categorical code) or ``"0:1,2:0"`` (two) -> n rows of codes, repeated to fill ``n``."""
    if not text:
        return None
    try:
        rows = [[int(c) for c in item.split(":")] for item in text.split(",") if item.strip()]
    except ValueError:
        raise ConfigError(
            f"--codes takes comma-separated codes, colon-separated per categorical variable (e.g. 0,1,2 or 0:1,2:0); "
            f"got {text!r}"
        ) from None
    if not rows or len({len(r) for r in rows}) != 1:
        raise ConfigError(f"--codes: every entry needs the same number of codes, got {text!r}")
    return _cycle(rows, n)


def draw(model, n: int, labels=None, codes=None, seed: int | None = None, nice: dict | None = None):
    """The samples the command writes; with ``nice`` (pool settings), the discriminator's favourites."""
    try:
        if nice is not None:
            from ganzoo.nice import nice_sample

            return nice_sample(model, n, labels=labels, codes=codes, seed=seed, **nice)
        return model.sample(n, labels=labels, codes=codes, seed=seed)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@click.command("sample")
@click.argument("source")
@click.option(
    "-n", "--num", "n", type=click.IntRange(min=1), default=64, show_default=True, help="How many samples."
)
@click.option("--labels", help="Classes for a conditional model, repeated to fill -n (e.g. 3,3,7).")
@click.option(
    "--codes", help="InfoGAN categorical codes, repeated to fill -n (e.g. 0,1,2; 0:1,2:0 for two codes)."
)
@click.option("--seed", type=int, help="Random seed; the same seed gives the same samples (default: random).")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("samples.png"),
    show_default=True,
    help="PNG to write: an image grid, or a scatter plot for 2-D points.",
)
@click.option(
    "--nice", is_flag=True, help="Keep the samples the discriminator scores highest out of a larger pool."
)
@click.option(
    "--pool", type=click.IntRange(min=1), help="With --nice: candidates to draw (default: n / top fraction)."
)
@click.option(
    "--top-fraction",
    type=click.FloatRange(0, 1, min_open=True),
    help="With --nice: the share of the pool to keep (default 0.05, the top 5%).",
)
@click.option(
    "--levels", is_flag=True, help="Show every pyramid level (LAPGAN): one row per level, -n columns."
)
@click.option("--nrow", type=click.IntRange(min=1), help="Images per row of the grid (default: square).")
@click.option("--revision", help="Hub revision (branch, tag or commit) when SOURCE is a repo id.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N or auto.")
def sample_cmd(
    source: str,
    n: int,
    labels: str | None,
    codes: str | None,
    seed: int | None,
    out: Path,
    nice: bool,
    pool: int | None,
    top_fraction: float | None,
    levels: bool,
    nrow: int | None,
    revision: str | None,
    device: str,
) -> None:
    """Sample a model: SOURCE is a Hub repo id (user/name[@rev]), a model folder or a run folder.

    Hub models are fetched into the Hub cache first (only safetensors weights are read). With --nice,
    a pool of n / top-fraction candidates is drawn in batches and the n that the model's discriminator
    scores highest are kept, best first.
    """
    if (pool is not None or top_fraction is not None) and not nice:
        raise ConfigError("--pool and --top-fraction go with --nice")
    if pool is not None and top_fraction is not None:
        raise ConfigError("give --pool or --top-fraction, not both")
    from ganzoo.devices import resolve_device
    from ganzoo.images import save_samples
    from ganzoo.modelio import load

    device = resolve_device(device)
    model = load(source, device=device, revision=revision)
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    if levels:
        if not model.has_levels:
            raise ConfigError(
                f"--levels: this {model.config.get('family', 'model')} model has no pyramid levels to show"
            )
        if nice:
            raise ConfigError("--levels and --nice do not go together")
        sheet = model.sample_levels(n, labels=parse_labels(labels, n), seed=seed)
        path = save_samples(sheet, out, nrow=n)
        click.echo(f"wrote a {sheet.shape[0] // n}-row level sheet of {n} samples (seed {seed}) to {path}")
        return
    ranking = {"pool": pool, "top_fraction": top_fraction or 0.05} if nice else None
    x = draw(model, n, labels=parse_labels(labels, n), codes=parse_codes(codes, n), seed=seed, nice=ranking)
    try:
        path = save_samples(x, out, nrow=nrow)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    family = model.config.get("family", "model")
    how = " ranked by the discriminator" if nice else ""
    click.echo(f"wrote {n} samples of {family}{how} (seed {seed}) to {path}")
