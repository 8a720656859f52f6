"""The looks of a table drawn line by line (the scoring grid, the review's table): component styles, cached.

A table names its component classes ``<LOOK_PREFIX>--<look>``; a model names a
cell's look (``Shown.look``).  Styles are looked up once and kept until the
styles change (a theme, focus), when the drawn lines go too.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style


class CellLooks:
    """For a ``ScrollView`` with ``looks`` (a dict) and ``strips`` (its drawn lines, an ``LRUCache``)."""

    LOOK_PREFIX: ClassVar[str] = ""  # "score-grid": its component classes are "score-grid--..."
    looks: dict[tuple, Style]

    def cstyle(self, name: str | None) -> Style:
        """The Rich style of one of the table's looks (a component class, partial)."""
        if name is None:
            return Style.null()
        key = ("look", name)
        style = self.looks.get(key)
        if style is None:
            style = self.looks[key] = self.get_component_rich_style(f"{self.LOOK_PREFIX}--{name}", partial=True)
        return style

    def table_style(self, name: str) -> Style:
        """The whole style of a part of the table (header, fixed column, rows), as DataTable takes it."""
        key = ("table", name)
        style = self.looks.get(key)
        if style is None:
            style = self.looks[key] = self.get_component_styles(f"{self.LOOK_PREFIX}--{name}").rich_style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.looks = {}
        self.strips.clear()
