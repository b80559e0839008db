"""MkDocs hooks for the ganzoo site.

click 8.3 marks options without a default with a ``Sentinel.UNSET`` object, which mkdocs-click 0.9
prints verbatim in the CLI reference tables (the upstream fix, mkdocs/mkdocs-click#95, is not
released). Show the default that click itself reports (``to_info_dict``: ``None``, or ``False``
for flags) instead.
"""

from __future__ import annotations

import copy
from typing import Any

import click
from mkdocs_click import _docs

_format_row = _docs._format_table_option_row


def _format_row_with_click_default(option: click.Option) -> str:
    default = option.to_info_dict().get("default")
    if default is not option.default:
        option = copy.copy(option)
        option.default = default
    return _format_row(option)


def on_startup(**kwargs: Any) -> None:
    _docs._format_table_option_row = _format_row_with_click_default
