"""ganzoo's built-in plugins (importable as ``ganzoo_plugins``).

They are registered through the ``ganzoo`` entry-point group in ``pyproject.toml``, exactly like a
third-party plugin. The modules at this level only describe components (no torch import); the
implementations live in :mod:`ganzoo_plugins.nn` and are imported when a component is built.
"""
