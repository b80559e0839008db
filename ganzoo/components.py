"""Component metadata: what a plugin registers. Torch-free, so listing stays fast."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ganzoo.capabilities import IMAGES, POINTS

KINDS = ("family", "generator", "discriminator", "loss", "trainer", "dataset")
#: The roles a family fills; each is a component kind.
ROLES = ("generator", "discriminator", "loss", "trainer")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ParamError(ValueError):
    """A hyperparameter value that does not fit its declaration."""


@dataclass(frozen=True)
class Param:
    """A typed hyperparameter with a default and one line of help."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParamError`."""
        tname = self.type.__name__
        if isinstance(value, str):
            text = value.strip()
            try:
                if self.type is bool:
                    if text.lower() in _TRUE:
                        value = True
                    elif text.lower() in _FALSE:
                        value = False
                    else:
                        raise ValueError
                elif self.type is str:
                    value = text
                else:
                    value = self.type(text)
            except ValueError:
                raise ParamError(f"{self.name}: expects {tname}, got {value!r}") from None
        elif self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise ParamError(f"{self.name}: expects {tname}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ParamError(
                f"{self.name}: must be one of {', '.join(map(str, self.choices))}; got {value!r}"
            )
        if self.min is not None and value < self.min:
            raise ParamError(f"{self.name}: must be >= {self.min}; got {value!r}")
        if self.max is not None and value > self.max:
            raise ParamError(f"{self.name}: must be <= {self.max}; got {value!r}")
        return value

    def to_json(self) -> dict[str, Any]:
        out = {"name": self.name, "type": self.type.__name__, "default": self.default, "help": self.help}
        if self.choices is not None:
            out["choices"] = list(self.choices)
        return out


@dataclass(frozen=True)
class Origin:
    """Where a component came from: the distribution, its version and the entry point."""

    distribution: str
    version: str
    entry_point: str

    def __str__(self) -> str:
        return f"{self.distribution} {self.version}"


@dataclass(frozen=True)
class Component:
    """One registered component.

    ``factory`` is ``"module:attr"``, imported only when the component is built. ``provides`` and
    ``needs`` are capability words (see :mod:`ganzoo.capabilities`) used to refuse a bad combination
    before anything is built. A family (``kind="family"``) names one component per role in ``parts``
    and default hyperparameters per role (and ``"train"`` for engine settings) in ``defaults``;
    ``data_defaults`` layers further defaults for one kind of data (``"points"``, ``"images"``) or one
    dataset (by name, applied last), e.g. a 2-D recipe that differs from the MNIST one.
    """

    name: str
    kind: str
    description: str
    factory: str | None = None
    params: tuple[Param, ...] = ()
    provides: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    paper: str = ""
    parts: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_defaults: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    origin: Origin | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"component {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        object.__setattr__(self, "provides", frozenset(self.provides))
        object.__setattr__(self, "needs", frozenset(self.needs))
        if self.kind == "family":
            missing = [r for r in ROLES if r not in self.parts]
            if missing:
                raise ValueError(f"family {self.name!r} names no {', '.join(missing)}")
        elif self.factory is None:
            raise ValueError(f"component {self.name!r} has no factory")

    @property
    def qualname(self) -> str:
        return f"{self.kind}:{self.name}"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults_dict(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def load(self) -> Any:
        """Import and return the object behind ``factory``."""
        if self.factory is None:
            raise TypeError(f"{self.qualname} has no factory")
        module, _, attr = self.factory.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "paper": self.paper,
            "params": [p.to_json() for p in self.params],
            "provides": sorted(self.provides),
            "needs": sorted(self.needs),
            "origin": None
            if self.origin is None
            else {"distribution": self.origin.distribution, "version": self.origin.version},
        }
        if self.kind == "family":
            out["parts"] = dict(self.parts)
            out["defaults"] = {k: dict(v) for k, v in self.defaults.items()}
            if self.data_defaults:
                out["data_defaults"] = {
                    data: {k: dict(v) for k, v in sections.items()}
                    for data, sections in self.data_defaults.items()
                }
        return out

    def defaults_for(self, dataset: Component | None = None) -> dict[str, dict[str, Any]]:
        """A family's defaults per section for ``dataset``: ``defaults``, then ``data_defaults`` for the
        dataset's kind of data, then for its name."""
        merged = {section: dict(values) for section, values in self.defaults.items()}
        if dataset is not None:
            kinds = [k for k in (IMAGES, POINTS) if k in dataset.provides]
            for key in (*kinds, dataset.name):
                for section, values in self.data_defaults.get(key, {}).items():
                    merged.setdefault(section, {}).update(values)
        return merged
