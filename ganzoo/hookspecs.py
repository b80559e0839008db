"""The plugin contract: the hooks a ganzoo plugin may implement.

A plugin is any module named by an entry point in the ``ganzoo`` group. It implements hooks with
:data:`hookimpl`; ganzoo calls them through pluggy. Plugin modules must not import torch at module
level: listing components must stay fast, so implementations are referenced by ``"module:attr"``
strings and imported only when a component is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ganzoo.components import Component

PROJECT = "ganzoo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class GanzooSpec:
    """Hook specifications of ganzoo."""

    @hookspec
    def register_components(self, register: Callable[[Component], None]) -> None:
        """Register components by calling ``register(Component(...))`` once per component."""
