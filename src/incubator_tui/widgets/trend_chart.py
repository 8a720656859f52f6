"""A small text chart of monthly totals with the threshold line (6 points).

Plain Unicode block characters sized to the widget: one bar per month, eighth
blocks for the top of each bar, the threshold drawn as a dashed line across
the gaps, low months (strictly below the threshold) in the error colour, and
months without a complete total as a dot on the baseline.  Reusable: the
organisation page shows one org's months, the dashboard may show a centre's
average the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from incubator_tui.i18n import t

BLOCKS = " ▁▂▃▄▅▆▇█"
AXIS_WIDTH = 3  # "10│"


@dataclass(frozen=True)
class TrendPoint:
    month: str  # YYYY-MM
    total: Fraction | None  # None: no complete total that month
    threshold: Fraction = Fraction(6)
    mark: str = "·"  # drawn on the baseline when there is no total

    @property
    def low(self) -> bool:
        return self.total is not None and self.total < self.threshold


def _eighths(value: Fraction, maximum: Fraction, rows: int) -> int:
    """How many eighth-cells tall a total is, rounded half up; at least 1, so that a
    complete month of 0 still shows (as a low sliver) rather than as a gap."""
    scaled = Fraction(value) / maximum * rows * 8
    return max(1, min(int(scaled + Fraction(1, 2)), rows * 8))


def _number(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):g}"


def render_chart(points: Sequence[TrendPoint], width: int, height: int, maximum: Fraction = Fraction(10),
                 styles: dict[str, object] | None = None, empty: str = "") -> Text:
    """The chart as Rich text, ``width`` × ``height`` cells (pure: testable without an app)."""
    styles = styles or {}
    bar_style, low_style = styles.get("bar", ""), styles.get("low", "")
    line_style, axis_style = styles.get("line", ""), styles.get("axis", "")
    missing_style = styles.get("missing", "")
    out = Text(no_wrap=True, overflow="crop")
    if width < AXIS_WIDTH + 2 or height < 3:
        return out
    if not points:
        out.append(empty[: max(0, width)], style=missing_style)
        return out

    rows = height - 2  # the bars; then the baseline; then the month labels
    area = width - AXIS_WIDTH
    pts = list(points)[-area:]  # too narrow for all months: the latest ones
    n = len(pts)
    slot = max(1, area // n)
    bar_w = 1 if slot == 1 else min(slot - 1, 4)
    heights = [_eighths(p.total, maximum, rows) if p.total is not None else 0 for p in pts]
    threshold = pts[-1].threshold
    thr_row = min(rows - 1, int(Fraction(threshold) / maximum * rows))  # rows counted from the bottom

    for r in range(rows):
        level = rows - 1 - r  # 0 = bottom row
        if r == 0:
            label = _number(maximum)
        elif level == thr_row:
            label = _number(threshold)
        else:
            label = ""
        out.append(label.rjust(AXIS_WIDTH - 1)[-(AXIS_WIDTH - 1):], style=axis_style)
        out.append("┤" if level == thr_row or r == 0 else "│", style=axis_style)
        gap_char = "╌" if level == thr_row else " "
        for p, h in zip(pts, heights):
            fill = max(0, min(8, h - level * 8))
            if fill:
                out.append(BLOCKS[fill] * bar_w, style=low_style if p.low else bar_style)
            elif level == 0 and p.total is None:
                out.append(p.mark[:1].ljust(bar_w), style=missing_style)
            else:
                out.append(gap_char * bar_w, style=line_style if level == thr_row else "")
            if slot > bar_w:
                out.append(gap_char * (slot - bar_w), style=line_style if level == thr_row else "")
        out.append("\n")

    out.append(" " * (AXIS_WIDTH - 1) + "└" + "─" * (slot * n), style=axis_style)
    out.append("\n")
    # Month labels (YY-MM) under the bars, as many as fit without touching.
    labels = [" "] * (AXIS_WIDTH + slot * n + 6)
    next_free = 0
    for i, p in enumerate(pts):
        start = AXIS_WIDTH + i * slot
        label = p.month[2:] if len(p.month) == 7 else p.month
        if start >= next_free and start + cell_len(label) <= width:
            labels[start:start + len(label)] = list(label)
            next_free = start + len(label) + 2
    out.append("".join(labels).rstrip()[:width], style=axis_style)
    return out


class TrendChart(Widget):
    """Monthly totals as bars, the threshold as a line, low months marked."""

    COMPONENT_CLASSES = {
        "trend-chart--bar", "trend-chart--low", "trend-chart--line", "trend-chart--axis", "trend-chart--missing",
    }
    DEFAULT_CSS = """
    TrendChart {
        height: 10;
        width: 1fr;
    }
    TrendChart > .trend-chart--bar { color: $success; }
    TrendChart > .trend-chart--low { color: $error; text-style: bold; }
    TrendChart > .trend-chart--line { color: $warning; }
    TrendChart > .trend-chart--axis { color: $text-muted; }
    TrendChart > .trend-chart--missing { color: $text-muted; }
    """

    points: reactive[tuple[TrendPoint, ...]] = reactive((), layout=False)

    def __init__(self, points: Sequence[TrendPoint] = (), *, maximum: Fraction = Fraction(10),
                 empty_key: str = "orgs.chart.empty", name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.maximum = maximum
        self.empty_key = empty_key
        self.set_reactive(TrendChart.points, tuple(points))

    def set_points(self, points: Sequence[TrendPoint]) -> None:
        self.points = tuple(points)

    @property
    def low_months(self) -> list[str]:
        return [p.month for p in self.points if p.low]

    def render(self) -> Text:
        styles = {
            name: self.get_component_rich_style(f"trend-chart--{name}", partial=True)
            for name in ("bar", "low", "line", "axis", "missing")
        }
        return render_chart(self.points, self.content_size.width, self.content_size.height, self.maximum,
                            styles, t(self.empty_key))
