"""``ganzoo push`` and ``ganzoo pull``: share model folders on the Hugging Face Hub."""

from __future__ import annotations

from pathlib import Path

import rich_click as click


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


@click.command("push")
@click.argument("source", metavar="RUN_OR_MODEL_DIR", type=click.Path(file_okay=False, path_type=Path))
@click.argument("repo_id", metavar="USER/NAME")
@click.option(
    "--private", is_flag=True, help="Create the repo as private (an existing repo keeps its visibility)."
)
@click.option(
    "--revision", metavar="BRANCH", help="Push to this branch (created when missing) instead of main."
)
@click.option("--message", "-m", metavar="TEXT", help="Commit message.")
def push_cmd(source: Path, repo_id: str, private: bool, revision: str | None, message: str | None) -> None:
    """Upload a trained model (a run folder's model/ or a model folder) to the Hub as USER/NAME.

    Uses the token in HF_TOKEN or your saved login (`hf auth login`). Only the model's files are
    uploaded: model.safetensors, config.json, the model card, samples.png and metrics.json.
    """
    from ganzoo.hub import model_folder, push

    folder = model_folder(source)
    url = push(source, repo_id, private=private, revision=revision, message=message)
    name = repo_id.partition("@")[0]
    click.echo(f"pushed {folder} to {name}" + (f" (branch {revision})" if revision else ""))
    click.echo(f"commit: {url}")
    click.echo(f"use it: ganzoo sample {name} -n 64 -o samples.png")


@click.command("pull")
@click.argument("repo_id", metavar="USER/NAME[@REV]")
@click.option("--revision", metavar="REV", help="Branch, tag or commit to fetch (default: main).")
@click.option(
    "--local-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Put the files in this folder instead of the Hub cache.",
)
def pull_cmd(repo_id: str, revision: str | None, local_dir: Path | None) -> None:
    """Fetch a ganzoo model from the Hub into the Hub cache (or --local-dir) and say what came.

    Works offline from the cache with HF_HUB_OFFLINE=1. Only safetensors weights, config.json and
    the card's files are fetched.
    """
    from ganzoo.hub import pull

    folder = pull(repo_id, revision=revision, local_dir=local_dir)
    click.echo(f"{repo_id.partition('@')[0]} -> {folder}")
    for path in sorted(folder.iterdir()):
        if path.is_file():
            click.echo(f"  {path.name:<20} {_size(path.stat().st_size):>10}")
    click.echo(f"sample it: ganzoo sample {folder} -n 64 -o samples.png")
