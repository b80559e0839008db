"""Resolve a family preset plus overrides into a validated, fully typed run specification.

Nothing here imports torch: a bad combination or a bad ``--set`` is refused before any data is read
or any net is built.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from ganzoo.components import ROLES, Component, Param, ParamError
from ganzoo.errors import ConfigError, UnknownComponentError
from ganzoo.registry import Registry

#: Engine settings, overridable as ``--set train.NAME=VALUE`` (and by dedicated CLI flags).
TRAIN_PARAMS: tuple[Param, ...] = (
    Param("batch_size", int, 64, "images (or points) per batch", min=1),
    Param("steps", int, 2000, "generator updates to run", min=1),
    Param(
        "epochs", float, 0.0, "if > 0, stop after this many passes over the data instead of `steps`", min=0
    ),
    Param("log_every", int, 50, "steps between metrics.jsonl lines (and loss syncs)", min=1),
    Param("sample_every", int, 500, "steps between sample sheets (0: only at the end)", min=0),
    Param("checkpoint_every", int, 500, "steps between checkpoints (0: only at the end)", min=0),
    Param("eval_every", int, 0, "steps between evaluations keeping the best model (0: off)", min=0),
    Param(
        "lr_decay",
        str,
        "none",
        "learning-rate schedule: none, or linear (every optimiser's rate falls linearly to 0 at the last step)",
        choices=("none", "linear"),
    ),
    Param("amp", bool, False, "bf16 autocast (CUDA and recent CPUs)"),
    Param("compile", bool, False, "torch.compile the nets"),
    Param("channels_last", bool, False, "channels_last memory format for image nets"),
    Param("threads", int, 0, "CPU threads for torch (0: auto, the cores not already busy)", min=0),
    Param("sync_bn", bool, False, "SyncBatchNorm across processes when training with torchrun"),
)
SECTIONS = (*ROLES, "dataset", "train")


@dataclass
class Choice:
    """A component chosen for one role, with its resolved hyperparameters."""

    component: Component
    params: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        c = self.component
        return {
            "name": c.name,
            "distribution": c.origin.distribution if c.origin else None,
            "version": c.origin.version if c.origin else None,
            "params": dict(self.params),
        }


@dataclass
class RunSpec:
    """A validated combination: one component per role, the dataset and the engine settings."""

    family: str
    parts: dict[str, Choice]
    dataset: Choice
    train: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, role: str) -> Choice:
        return self.dataset if role == "dataset" else self.parts[role]

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "components": {r: ch.to_json() for r, ch in self.parts.items()},
            "dataset": self.dataset.to_json(),
            "train": dict(self.train),
        }


def _apply(section: str, params: tuple[Param, ...], values: dict[str, Any], updates: dict[str, Any]) -> None:
    by_name = {p.name: p for p in params}
    for key, raw in updates.items():
        p = by_name.get(key)
        if p is None:
            close = difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(f'{section}.{c}' for c in close)}?" if close else ""
            known = ", ".join(sorted(by_name)) or "none"
            raise ConfigError(f"unknown setting {section}.{key}{hint} ({section} settings: {known})")
        try:
            values[key] = p.coerce(raw)
        except ParamError as exc:
            raise ConfigError(f"bad value for {section}.{exc}") from None


def parse_overrides(pairs: list[str] | tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Turn ``["loss.gp_weight=5", ...]`` into ``{"loss": {"gp_weight": "5"}}``."""
    out: dict[str, dict[str, str]] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        section, dot, name = key.strip().partition(".")
        if not eq or not dot or not name:
            raise ConfigError(f"--set takes SECTION.NAME=VALUE (e.g. loss.gp_weight=5), got {pair!r}")
        if section not in SECTIONS:
            close = difflib.get_close_matches(section, SECTIONS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown section {section!r} in --set {pair!r}{hint} (sections: {', '.join(SECTIONS)})"
            )
        out.setdefault(section, {})[name] = value
    return out


def check_combination(registry: Registry, parts: dict[str, Component], dataset: Component) -> None:
    """Raise :class:`ConfigError` naming the first missing capability and what would provide it."""
    chosen = {**parts, "dataset": dataset}
    have = set().union(*(c.provides for c in chosen.values()))
    for role, comp in chosen.items():
        for need in sorted(comp.needs - have):
            fits = [c for c in registry.list() if need in c.provides and c.kind != "family"]
            by_kind: dict[str, list[str]] = {}
            for c in fits:
                by_kind.setdefault(c.kind, []).append(c.name)
            hint = "; ".join(f"{k}s that provide it: {', '.join(v)}" for k, v in by_kind.items())
            raise ConfigError(
                f"{role} {comp.name!r} needs {need!r}, which this combination does not provide"
                + (f"; {hint}" if hint else "")
            )


def resolve(
    registry: Registry,
    family: str,
    *,
    dataset: str,
    generator: str | None = None,
    discriminator: str | None = None,
    loss: str | None = None,
    trainer: str | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> RunSpec:
    """Resolve ``family`` with swapped components and ``overrides`` into a :class:`RunSpec`."""
    try:
        fam = registry.get(family, "family")
        names = dict(fam.parts)
        for role, name in (
            ("generator", generator),
            ("discriminator", discriminator),
            ("loss", loss),
            ("trainer", trainer),
        ):
            if name:
                names[role] = name
        parts = {role: registry.get(names[role], role) for role in ROLES}
        data = registry.get(dataset, "dataset")
    except UnknownComponentError as exc:
        raise ConfigError(str(exc)) from None
    check_combination(registry, parts, data)
    overrides = overrides or {}
    fam_defaults = fam.defaults_for(data)
    choices: dict[str, Choice] = {}
    for role, comp in parts.items():
        values = comp.defaults_dict()
        if comp.name == fam.parts[role]:  # family defaults are for the family's own parts
            _apply(role, comp.params, values, fam_defaults.get(role, {}))
        _apply(role, comp.params, values, overrides.get(role, {}))
        choices[role] = Choice(comp, values)
    data_values = data.defaults_dict()
    _apply("dataset", data.params, data_values, overrides.get("dataset", {}))
    train = {p.name: p.default for p in TRAIN_PARAMS}
    _apply("train", TRAIN_PARAMS, train, fam_defaults.get("train", {}))
    _apply("train", TRAIN_PARAMS, train, overrides.get("train", {}))
    return RunSpec(family=fam.name, parts=choices, dataset=Choice(data, data_values), train=train)
