"""ganzoo: a plugin-based GAN model zoo.

The top-level functions import torch only when called, so ``import ganzoo`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from ganzoo.components import Component, Param  # noqa: E402
from ganzoo.errors import GanzooError  # noqa: E402
from ganzoo.hookspecs import hookimpl  # noqa: E402

if TYPE_CHECKING:
    from ganzoo.model import GanModel

__all__ = [
    "Component",
    "GanzooError",
    "Param",
    "__version__",
    "build",
    "hookimpl",
    "info",
    "list_components",
    "load",
    "train",
]


def list_components(pattern: str | None = None, kind: str | None = None) -> list[Component]:
    """Registered components matching a wildcard ``pattern`` and/or ``kind``, like ``ganzoo list``."""
    from ganzoo.registry import get_registry

    return get_registry().list(pattern, kind)


def info(name: str) -> Component:
    """The component called ``name`` (``kind:name`` to pick a kind), like ``ganzoo info``."""
    from ganzoo.registry import get_registry

    return get_registry().get(name)


def build(family: str, *, dataset: str = "mnist", data_shape: Any = None, **kwargs: Any) -> GanModel:
    """Build an untrained model of ``family`` (with swapped components and ``overrides``).

    ``data_shape`` is a :class:`~ganzoo.spec.DataSpec`; by default the dataset's own spec is used
    without reading its data.
    """
    from ganzoo.api import build as _build

    return _build(family, dataset=dataset, data_shape=data_shape, **kwargs)


def train(family: str | None = None, **kwargs: Any) -> GanModel:
    """Train ``family`` like ``ganzoo train`` and return the trained model (see :func:`ganzoo.api.train`)."""
    from ganzoo.api import train as _train

    return _train(family, **kwargs)


def load(source: str, **kwargs: Any) -> GanModel:
    """Load a model from a Hub repo id, a model folder or a run folder (safetensors only)."""
    from ganzoo.modelio import load as _load

    return _load(source, **kwargs)
