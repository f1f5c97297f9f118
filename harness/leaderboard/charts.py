"""Inline SVG charts computed at build time: heatmaps on fixed colour scales, a forest plot of
intervals, and the families' bar chart.

The geometry is plain data (rectangles, texts, lines) that a Jinja macro writes out, so every
label that comes from a result file passes through the template's escaping like any other text.
Coordinates are rounded to one decimal so the same numbers always give the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

POSITIVE = (26, 127, 55)     # green: better than the baseline
NEGATIVE = (207, 34, 46)     # red: worse than the baseline
SEQUENTIAL = (31, 78, 150)   # blue: higher score
PAPER = (246, 248, 250)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str = ""
    css: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    fill: str = "#24292f"
    size: float = 11
    rotate: float = 0
    weight: str = "normal"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = "#57606a"
    width: float = 1
    css: str = ""


@dataclass
class Chart:
    width: float
    height: float
    label: str
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


def _r(value: float) -> float:
    return round(value, 1)


def _mix(colour: tuple[int, int, int], t: float) -> str:
    """`t` of the way from the paper colour to `colour`, as #rrggbb."""
    t = min(max(t, 0.0), 1.0)
    channels = (round(p + (c - p) * t) for p, c in zip(PAPER, colour, strict=True))
    return "#" + "".join(f"{c:02x}" for c in channels)


def score_colour(value: float, low: float, high: float) -> tuple[str, str]:
    """Fill and text colour of a score on a sequential scale from `low` to `high`."""
    t = 0.5 if high - low < 1e-9 else (value - low) / (high - low)
    t = 0.12 + 0.88 * t
    return _mix(SEQUENTIAL, t), "#ffffff" if t > 0.6 else "#24292f"


def delta_colour(value: float, limit: float) -> tuple[str, str]:
    """Fill and text colour of a difference: green above zero, red below, stronger when larger."""
    t = min(abs(value) / limit, 1.0) if limit > 0 else 0.0
    fill = _mix(POSITIVE if value >= 0 else NEGATIVE, 0.1 + 0.9 * t)
    return fill, "#ffffff" if t > 0.55 else "#24292f"


def heatmap(row_labels: list[tuple[str, str]], column_labels: list[str], values: list[list[float | None]],
            *, mode: str, label: str, unit: str = "", limit: float | None = None,
            score_range: tuple[float, float] = (0.0, 100.0), titles: list[list[str]] | None = None) -> Chart:
    """Rows are languages (code, name), columns are variants or tasks; `mode` is 'score' or 'delta'.

    The colour scale is fixed by the caller, not by this chart's own values, so two heatmaps
    of one site compare by colour: scores on `score_range` (0-100 by default), differences on
    ±`limit` centred on zero. The colour key stands apart at the right, as a vertical bar with
    ticks, so it cannot be read as one more row of data.
    """
    cell_w, cell_h, left = 52.0, 22.0, 128.0
    longest = max((len(c) for c in column_labels), default=4)
    top = 24.0 + min(longest, 40) * 5.2
    known = [v for row in values for v in row if v is not None]
    low, high = score_range
    if limit is None:
        limit = nice_limit(max((abs(v) for v in known), default=1.0))
    grid_w = cell_w * len(column_labels)
    key_x = left + grid_w + 28 + min(longest, 40) * 3
    chart = Chart(width=_r(key_x + 90), height=_r(max(top + cell_h * len(row_labels), top + 150) + 16), label=label)
    for j, column in enumerate(column_labels):
        x = left + cell_w * j + cell_w / 2
        chart.texts.append(Text(_r(x), _r(top - 6), column, rotate=-40, anchor="start"))
    for i, (code, name) in enumerate(row_labels):
        y = top + cell_h * i
        chart.texts.append(Text(_r(left - 8), _r(y + cell_h / 2 + 4), f"{name} ({code})", anchor="end"))
        for j, value in enumerate(values[i]):
            x = left + cell_w * j
            if value is None:
                chart.rects.append(Rect(_r(x), _r(y), cell_w - 2, cell_h - 2, "#ffffff", f"{column_labels[j]}, {code}: no result", "empty"))
                continue
            if mode == "delta":
                fill, ink = delta_colour(value, limit)
                shown = f"{value:+.1f}"
            else:
                fill, ink = score_colour(value, low, high)
                shown = f"{value:.1f}"
            title = titles[i][j] if titles and titles[i][j] else f"{column_labels[j]}, {code}: {shown}{unit}"
            chart.rects.append(Rect(_r(x), _r(y), cell_w - 2, cell_h - 2, fill, title))
            chart.texts.append(Text(_r(x + cell_w / 2 - 1), _r(y + cell_h / 2 + 3), shown, anchor="middle", fill=ink, size=10))
    _colour_key(chart, key_x, top, mode, low, high, limit)
    return chart


def _colour_key(chart: Chart, x: float, top: float, mode: str, low: float, high: float, limit: float) -> None:
    """A vertical colour bar (top = highest) with tick values, titled, at the right of the grid."""
    steps = 12
    bar_h = 132.0
    chart.texts.append(Text(_r(x), _r(top - 8), "colour key" if mode == "score" else "colour key (Δ)",
                            size=10, fill="#57606a"))
    for k in range(steps):
        t = 1 - (k + 0.5) / steps
        if mode == "delta":
            fill, _ = delta_colour(-limit + 2 * limit * t, limit)
        else:
            fill, _ = score_colour(low + (high - low) * t, low, high)
        chart.rects.append(Rect(_r(x), _r(top + bar_h * k / steps), 14, _r(bar_h / steps + 0.4), fill, css="key"))
    marks = [limit, limit / 2, 0.0, -limit / 2, -limit] if mode == "delta" else [high - (high - low) * k / 4 for k in range(5)]
    for k, value in enumerate(marks):
        y = top + bar_h * k / 4
        chart.lines.append(Line(_r(x + 14), _r(y), _r(x + 18), _r(y)))
        shown = (f"{value:+g}" if value else "0") if mode == "delta" else f"{value:g}"
        chart.texts.append(Text(_r(x + 21), _r(y + 4), shown, size=10))


def nice_limit(value: float, minimum: float = 1.0) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above |value| (and `minimum`): a round axis end."""
    value = max(abs(value), minimum)
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value - 1e-12:
            return step * power
    return 10.0 * power


def ticks(limit: float) -> list[float]:
    """Symmetric ticks on round values: the step is the smallest of 1, 2, 2.5, 5 × 10^k at or
    above limit/5, so an axis gets 5 to 11 ticks (±25 → every 5, ±2 → every 0.5)."""
    step = nice_limit(limit / 5, minimum=1e-9)
    count = int(math.floor(limit / step + 1e-9))
    return [round(k * step, 10) for k in range(-count, count + 1)]


@dataclass(frozen=True)
class ForestRow:
    title: str
    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""          # shown at the right, e.g. "+0.8 [−0.3, +1.9]"
    strong: bool = False    # a summary row (category, overall): drawn bold, after a rule


def forest_plot(rows: list[ForestRow], label: str, *, axis_title: str = "difference in points") -> Chart:
    """One row per figure: point estimate, 95% interval as a line with end caps, a zero line, an
    axis with ticks. Rows without an interval show the point only (hollow)."""
    left, plot_w, row_h, top = 230.0, 520.0, 24.0, 34.0
    known = [abs(v) for r in rows for v in (r.value, r.low, r.high) if v is not None]
    limit = nice_limit(max(known, default=1.0) * 1.05)
    scale = (plot_w / 2) / limit
    zero = left + plot_w / 2
    bottom = top + row_h * len(rows)
    chart = Chart(width=_r(left + plot_w + 220), height=_r(bottom + 46), label=label)

    def x_of(v: float) -> float:
        return _r(zero + v * scale)

    for tick in ticks(limit):
        x = x_of(tick)
        chart.lines.append(Line(x, _r(top - 6), x, _r(bottom), stroke="#d0d7de" if tick else "#24292f",
                                width=1 if tick else 1.5, css="grid" if tick else "zero"))
        chart.lines.append(Line(x, _r(bottom), x, _r(bottom + 5), css="tick"))
        chart.texts.append(Text(x, _r(bottom + 17), (f"{tick:+g}" if tick else "0").replace("-", "\u2212"),
                                anchor="middle", size=10))
    chart.lines.append(Line(_r(left), _r(bottom), _r(left + plot_w), _r(bottom)))
    chart.texts.append(Text(_r(zero), _r(bottom + 34), axis_title, anchor="middle", size=11, fill="#57606a"))
    chart.texts.append(Text(_r(left + plot_w + 12), _r(top - 14), "estimate [95% CI]", size=10, fill="#57606a"))
    for i, row in enumerate(rows):
        y = top + row_h * i + row_h / 2
        if row.strong and (i == 0 or not rows[i - 1].strong):
            chart.lines.append(Line(8.0, _r(y - row_h / 2), _r(left + plot_w + 210), _r(y - row_h / 2),
                                    stroke="#8c959f"))
        chart.texts.append(Text(_r(left - 10), _r(y + 4), row.title, anchor="end", size=12,
                                weight="600" if row.strong else "normal"))
        chart.texts.append(Text(_r(left + plot_w + 12), _r(y + 4), row.note, size=11,
                                weight="600" if row.strong else "normal"))
        if row.value is None:
            continue
        colour = "#24292f"
        if row.low is not None and row.high is not None:
            significant = row.low > 0 or row.high < 0
            colour = ("#1a7f37" if row.value > 0 else "#cf222e") if significant else "#57606a"
            x0, x1 = x_of(row.low), x_of(row.high)
            chart.lines.append(Line(x0, _r(y), x1, _r(y), stroke=colour, width=2.5, css="ci"))
            chart.lines.append(Line(x0, _r(y - 5), x0, _r(y + 5), stroke=colour, width=1.5))
            chart.lines.append(Line(x1, _r(y - 5), x1, _r(y + 5), stroke=colour, width=1.5))
            chart.rects.append(Rect(_r(x_of(row.value) - 4.5), _r(y - 4.5), 9, 9, colour,
                                    f"{row.title}: {row.note}", "ci-point"))
        else:
            chart.rects.append(Rect(_r(x_of(row.value) - 4), _r(y - 4), 8, 8, "#ffffff",
                                    f"{row.title}: {row.note}", "point-only"))
    return chart
