"""The ``ganzoo`` command line. Subcommands are imported lazily, and none imports torch at import time,
so ``ganzoo --help`` and ``ganzoo list`` stay fast."""

from __future__ import annotations

import importlib
import sys
import warnings

import rich_click as click

from ganzoo import __version__
from ganzoo.errors import GanzooError

#: name -> "module:attribute" of each subcommand, in the order help shows them.
COMMANDS = {
    "list": "ganzoo.commands.listing:list_cmd",
    "info": "ganzoo.commands.listing:info_cmd",
    "plugins": "ganzoo.commands.listing:plugins_cmd",
    "train": "ganzoo.commands.train:train_cmd",
    "sample": "ganzoo.commands.sample:sample_cmd",
    "eval": "ganzoo.commands.evaluate:eval_cmd",
    "compare": "ganzoo.commands.compare:compare_cmd",
    "push": "ganzoo.commands.hub:push_cmd",
    "pull": "ganzoo.commands.hub:pull_cmd",
}


class LazyGroup(click.RichGroup):
    """A group that imports a subcommand's module only when that subcommand is used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            import difflib

            close = difflib.get_close_matches(args[0], list(COMMANDS), n=2) if args else []
            if close and "No such command" in str(exc):
                raise click.UsageError(
                    f"No such command {args[0]!r}; did you mean {' or '.join(close)}?"
                ) from None
            raise


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"ganzoo: warning: {message}", file=sys.stderr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ganzoo")
def cli() -> None:
    """ganzoo: a plugin-based GAN model zoo.

    List components, train any valid combination, sample and evaluate it, and share it on the
    Hugging Face Hub as safetensors.
    """
    warnings.showwarning = _one_line_warning


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors end in one line and a non-zero exit, never a traceback."""
    try:
        cli.main(args=argv, prog_name="ganzoo", standalone_mode=False)
    except click.exceptions.Abort:
        print("ganzoo: aborted", file=sys.stderr)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GanzooError as exc:
        print(f"ganzoo: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("ganzoo: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
