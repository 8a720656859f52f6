"""The looks of a table drawn line by line (the scoring grid, the review's table): styles and cells.

A table names its component classes ``<LOOK_PREFIX>--<look>``; a model names a
cell's look (``Shown.look``).  Styles are looked up once and kept until the
styles change (a theme, focus), when the drawn lines go too.  A cell is drawn
as DataTable draws one: cut or padded to its width, one blank each side.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from incubator_tui.editing.grid_layout import PADDING


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

    def cell_segments(self, text: Text, width: int, justify: str, pre: Style, post: Style | None = None,
                      ) -> list[Segment]:
        """One cell, ``width`` cells wide plus its padding: DataTable's ``Styled(Padding(text), pre, post)``
        (``justify``: "left", "center" or "right")."""
        size = text.cell_len
        if size != width:
            text = text.copy()
            if size > width:
                text.truncate(width, overflow="ellipsis")
            excess = width - text.cell_len
            left = 0 if justify == "left" else excess if justify == "right" else excess // 2
            text.pad_left(left)
            text.pad_right(excess - left)
        pad = Segment(" " * PADDING, pre)
        base = pre + text.style if text.style else pre  # Text.render leaves the text's own style out
        segments = [pad]
        for segment in text.render(self.app.console):
            if segment.text:
                segments.append(Segment(segment.text, base + segment.style if segment.style else base))
        segments.append(pad)
        if post:
            segments = list(Segment.apply_style(segments, post_style=post))
        return segments
