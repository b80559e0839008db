"""Discovery of components through the ``ganzoo`` entry-point group, with pluggy calling the hooks.

Every component, built-in or not, arrives through the same door: an entry point in the group
``ganzoo`` naming a module that implements :func:`ganzoo.hookspecs.GanzooSpec.register_components`.

Rules:

* Plugins load in a fixed order: the ``ganzoo`` distribution first, then the others sorted by
  distribution name and entry-point name. When two plugins register the same ``kind:name``, the
  first one keeps it and the later registration is refused with a warning naming both.
* A plugin that fails to import or to register is recorded with its error and skipped; the rest
  load. One warning line names the distribution and the error.
* ``GANZOO_BLOCK_PLUGINS`` (comma-separated entry-point or distribution names) skips plugins.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import metadata

import pluggy

from ganzoo.components import KINDS, Component, Origin
from ganzoo.errors import UnknownComponentError
from ganzoo.hookspecs import PROJECT, GanzooSpec

ENTRY_POINT_GROUP = "ganzoo"
BLOCK_ENV = "GANZOO_BLOCK_PLUGINS"
#: When names clash across kinds, ``info``/``get`` without a kind prefer this order.
KIND_PREFERENCE = KINDS


class PluginLoadWarning(UserWarning):
    """A plugin failed to load, or a registration was refused."""


@dataclass
class PluginRecord:
    """What happened when one entry point was loaded."""

    name: str
    distribution: str
    version: str
    module: str
    status: str = "loaded"  # loaded | failed | blocked
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _canonical(name: str) -> str:
    """Distribution names compare like pip's: case, ``_``, ``.`` and ``-`` do not matter."""
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _sort_key(ep: metadata.EntryPoint) -> tuple:
    dist = ep.dist.name if ep.dist is not None else ""
    return (dist != PROJECT, dist.lower(), ep.name)


class Registry:
    """All components that the installed plugins registered."""

    def __init__(self) -> None:
        self._components: dict[tuple[str, str], Component] = {}
        self.plugins: list[PluginRecord] = []
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(GanzooSpec)

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def discover(cls, entry_points: Iterable[metadata.EntryPoint] | None = None) -> Registry:
        """Load every plugin of the ``ganzoo`` entry-point group (or the given entry points)."""
        reg = cls()
        eps = entry_points if entry_points is not None else metadata.entry_points(group=ENTRY_POINT_GROUP)
        blocked = {_canonical(b) for b in os.environ.get(BLOCK_ENV, "").split(",") if b.strip()}
        seen: set[tuple[str, str]] = set()
        for ep in sorted(eps, key=_sort_key):
            dist = ep.dist.name if ep.dist is not None else "unknown"
            version = ep.dist.version if ep.dist is not None else "0"
            if (dist, ep.name) in seen:  # the same distribution found twice on sys.path
                continue
            seen.add((dist, ep.name))
            rec = PluginRecord(name=ep.name, distribution=dist, version=version, module=ep.value)
            reg.plugins.append(rec)
            if _canonical(ep.name) in blocked or _canonical(dist) in blocked:
                rec.status = "blocked"
                continue
            reg._load_one(ep, rec)
        return reg

    def _load_one(self, ep: metadata.EntryPoint, rec: PluginRecord) -> None:
        origin = Origin(rec.distribution, rec.version, ep.name)
        try:
            module = ep.load()
            self.pm.register(module, name=f"{rec.distribution}:{ep.name}")
        except Exception as exc:  # a broken plugin must not break the others
            self._fail(rec, exc)
            return
        rec.hooks = sorted(h.name for h in self.pm.get_hookcallers(module) or ())
        staged: list[Component] = []

        def register(component: Component) -> None:
            if not isinstance(component, Component):
                raise TypeError(f"register() takes a ganzoo.Component, got {type(component).__name__}")
            staged.append(replace(component, origin=origin))

        impls = [i for i in self.pm.hook.register_components.get_hookimpls() if i.plugin is module]
        try:
            for impl in impls:
                impl.function(register=register)
        except Exception as exc:
            self.pm.unregister(module)
            self._fail(rec, exc)
            return
        for comp in staged:
            key = (comp.kind, comp.name)
            if key in self._components:
                other = self._components[key].origin
                rec.refused.append(comp.qualname)
                warnings.warn(
                    f"{comp.kind} {comp.name!r} from {origin} is ignored: the name is taken by {other} "
                    f"(first registration wins; block one with {BLOCK_ENV})",
                    PluginLoadWarning,
                    stacklevel=2,
                )
                continue
            self._components[key] = comp
            rec.components.append(comp.qualname)

    def _fail(self, rec: PluginRecord, exc: BaseException) -> None:
        rec.status = "failed"
        rec.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        warnings.warn(
            f"plugin {rec.name!r} from distribution {rec.distribution} {rec.version} failed to load "
            f"({rec.error}); the other plugins are unaffected",
            PluginLoadWarning,
            stacklevel=3,
        )

    def add(self, component: Component) -> None:
        """Register a component directly (for code and tests that build a registry by hand)."""
        key = (component.kind, component.name)
        if key in self._components:
            raise ValueError(f"{component.qualname} is already registered")
        self._components[key] = component

    # -- queries -----------------------------------------------------------------------------
    def list(self, pattern: str | None = None, kind: str | None = None) -> list[Component]:
        """Components sorted by kind then name; ``pattern`` is a shell wildcard (``*gan*``)."""
        if kind is not None and kind not in KINDS:
            raise UnknownComponentError(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}")
        out = [
            c
            for c in self._components.values()
            if (kind is None or c.kind == kind)
            and (
                pattern is None
                or fnmatch.fnmatchcase(c.name, pattern.lower() if pattern.islower() else pattern)
            )
        ]
        return sorted(out, key=lambda c: (KINDS.index(c.kind), c.name))

    def get(self, name: str, kind: str | None = None) -> Component:
        """The component called ``name`` (``kind:name`` also works); raises with suggestions."""
        if kind is None and ":" in name:
            kind, _, name = name.partition(":")
        if kind is not None and kind not in KINDS:
            raise UnknownComponentError(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}")
        kinds = [kind] if kind else list(KIND_PREFERENCE)
        for k in kinds:
            if (k, name) in self._components:
                return self._components[(k, name)]
        raise UnknownComponentError(self._unknown_message(name, kind))

    def kinds_of(self, name: str) -> list[str]:
        return [k for k in KINDS if (k, name) in self._components]

    def _unknown_message(self, name: str, kind: str | None) -> str:
        pool = sorted({c.name for c in self._components.values() if kind is None or c.kind == kind})
        close = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
        what = kind or "component"
        msg = f"unknown {what} {name!r}"
        if close:
            msg += f"; did you mean {', '.join(repr(c) for c in close)}?"
        elif pool:
            msg += f"; known: {', '.join(pool[:12])}{' ...' if len(pool) > 12 else ''}"
        return msg + " (see `ganzoo list`)"

    def __contains__(self, key: object) -> bool:
        return key in self._components

    def __len__(self) -> int:
        return len(self._components)


_REGISTRY: Registry | None = None


def get_registry(refresh: bool = False) -> Registry:
    """The process-wide registry, discovered on first use."""
    global _REGISTRY
    if _REGISTRY is None or refresh:
        _REGISTRY = Registry.discover()
    return _REGISTRY
