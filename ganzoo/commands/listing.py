"""``ganzoo list``, ``ganzoo info`` and ``ganzoo plugins``: what the installed plugins provide."""

from __future__ import annotations

import json

import rich_click as click
from rich.console import Console
from rich.table import Table

from ganzoo.components import KINDS


def _registry():
    from ganzoo.registry import get_registry

    return get_registry()


@click.command("list")
@click.argument("pattern", required=False)
@click.option("--kind", type=click.Choice(KINDS), help="Only components of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_cmd(pattern: str | None, kind: str | None, as_json: bool) -> None:
    """List components, optionally filtered by a wildcard PATTERN (e.g. `'*gan*'`)."""
    comps = _registry().list(pattern, kind)
    if as_json:
        click.echo(json.dumps([c.to_json() for c in comps], indent=2))
        return
    table = Table(title=f"ganzoo components ({len(comps)})", title_justify="left")
    for col in ("name", "kind"):
        table.add_column(col, no_wrap=True)
    table.add_column("description", overflow="fold", ratio=1)
    table.add_column("origin", no_wrap=True)
    for c in comps:
        table.add_row(c.name, c.kind, c.description, str(c.origin or ""))
    Console().print(table)
    if not comps:
        click.echo("no component matches; try `ganzoo list` without a pattern", err=True)


@click.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def info_cmd(name: str, as_json: bool) -> None:
    """Describe a component: NAME or KIND:NAME (e.g. 'loss:wgan-gp')."""
    reg = _registry()
    comp = reg.get(name)
    if as_json:
        click.echo(json.dumps(comp.to_json(), indent=2))
        return
    console = Console()
    console.print(f"[bold]{comp.name}[/bold] ({comp.kind}) - {comp.description}")
    if comp.paper:
        console.print(f"paper: {comp.paper}")
    console.print(f"origin: {comp.origin}")
    if comp.provides:
        console.print(f"provides: {', '.join(sorted(comp.provides))}")
    if comp.needs:
        console.print(f"needs: {', '.join(sorted(comp.needs))}")
    others = [k for k in reg.kinds_of(comp.name) if k != comp.kind]
    if others:
        console.print(f"also a {', '.join(others)} of that name: `ganzoo info {others[0]}:{comp.name}`")
    if comp.kind == "family":
        parts = Table(title="parts and defaults", title_justify="left")
        for col in ("component", "hyperparameter", "default"):
            parts.add_column(col, no_wrap=True)
        parts.add_column("help", overflow="fold", ratio=1)
        for role, part_name in comp.parts.items():
            part = reg.get(part_name, role) if (role, part_name) in reg else None
            overrides = comp.defaults.get(role, {})
            if part is None:
                parts.add_row(f"{role} {part_name} (not installed)", "", "", "")
                continue
            for i, p in enumerate(part.params):
                parts.add_row(
                    f"{role} {part_name}" if i == 0 else "",
                    f"{role}.{p.name}",
                    repr(overrides.get(p.name, p.default)),
                    p.help,
                )
            if not part.params:
                parts.add_row(f"{role} {part_name}", "", "", "")
        for key, value in comp.defaults.get("train", {}).items():
            parts.add_row("engine", f"train.{key}", repr(value), "family default")
        for data, sections in comp.data_defaults.items():
            for section, values in sections.items():
                for key, value in values.items():
                    parts.add_row(
                        f"for {data} data", f"{section}.{key}", repr(value), f"default on {data} data"
                    )
        console.print(parts)
    elif comp.params:
        table = Table(title="hyperparameters", title_justify="left")
        for col in ("name", "type", "default"):
            table.add_column(col, no_wrap=True)
        table.add_column("help", overflow="fold", ratio=1)
        for p in comp.params:
            choices = f" (one of {', '.join(map(str, p.choices))})" if p.choices else ""
            table.add_row(p.name, p.type.__name__, repr(p.default), p.help + choices)
        console.print(table)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def plugins_cmd(as_json: bool) -> None:
    """List plugin entry points: distribution, version, hooks, and whether they loaded."""
    records = _registry().plugins
    if as_json:
        click.echo(json.dumps([r.to_json() for r in records], indent=2))
        return
    table = Table(title="ganzoo plugins", title_justify="left")
    for col in ("plugin", "distribution", "version", "hooks", "components", "status"):
        table.add_column(col, overflow="fold")
    for r in records:
        status = {"loaded": "[green]loaded[/green]", "blocked": "[yellow]blocked[/yellow]"}.get(
            r.status, f"[red]failed[/red]: {r.error}"
        )
        if r.refused:
            status += f" (refused duplicates: {', '.join(r.refused)})"
        table.add_row(r.name, r.distribution, r.version, ", ".join(r.hooks), str(len(r.components)), status)
    Console().print(table)
