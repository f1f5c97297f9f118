"""Inline SVG charts computed at build time: a language × variant heatmap and the families' bar chart.

The geometry is plain data (rectangles, texts, lines) that a Jinja macro writes out, so every
label that comes from a result file passes through the template's escaping like any other text.
Coordinates are rounded to one decimal so the same numbers always give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POSITIVE = (26, 127, 55)     # green: better than the baseline
NEGATIVE = (207, 34, 46)     # red: worse than the baseline
SEQUENTIAL = (31, 78, 150)   # blue: higher score
PAPER = (246, 248, 250)
FAMILY_COLOURS = {"english": "#3b6fb6", "non_english": "#d9822b"}


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
            *, mode: str, label: str, unit: str = "") -> Chart:
    """Rows are languages (code, name), columns are variants; `mode` is 'score' or 'delta'."""
    cell_w, cell_h, left = 52.0, 22.0, 128.0
    longest = max((len(c) for c in column_labels), default=4)
    top = 24.0 + min(longest, 40) * 5.2
    known = [v for row in values for v in row if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    limit = max(max((abs(v) for v in known), default=0.0), 0.5)
    chart = Chart(width=_r(left + max(cell_w * len(column_labels), 250) + 24 + min(longest, 40) * 4), height=_r(top + cell_h * len(row_labels) + 44),
                  label=label)
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
            chart.rects.append(Rect(_r(x), _r(y), cell_w - 2, cell_h - 2, fill, f"{column_labels[j]}, {code}: {shown}{unit}"))
            chart.texts.append(Text(_r(x + cell_w / 2 - 1), _r(y + cell_h / 2 + 3), shown, anchor="middle", fill=ink, size=10))
    _legend(chart, top + cell_h * len(row_labels) + 14, left, mode, low, high, limit)
    return chart


def _legend(chart: Chart, y: float, x: float, mode: str, low: float, high: float, limit: float) -> None:
    steps = [-limit, -limit / 2, 0.0, limit / 2, limit] if mode == "delta" else [low + (high - low) * k / 4 for k in range(5)]
    chart.texts.append(Text(_r(x - 8), _r(y + 12), "difference" if mode == "delta" else "score", anchor="end", size=10))
    for k, value in enumerate(steps):
        fill, ink = delta_colour(value, limit) if mode == "delta" else score_colour(value, low, high)
        chart.rects.append(Rect(_r(x + 50 * k), _r(y), 48, 16, fill))
        shown = f"{value:+.1f}" if mode == "delta" else f"{value:.1f}"
        chart.texts.append(Text(_r(x + 50 * k + 24), _r(y + 12), shown, anchor="middle", fill=ink, size=10))


def family_bars(rows: list[tuple[str, dict[str, tuple[float, float, str] | None]]], families: list[str],
                titles: dict[str, str], label: str) -> Chart:
    """Per task, one bar per family: the mean difference to the baseline; a tick marks the best variant.

    `rows` holds (task title, {family: (mean, best, best variant) or None}).
    """
    left, plot_w, bar_h, gap = 150.0, 460.0, 14.0, 12.0
    row_h = bar_h * len(families) + gap
    known = [abs(v) for _, cells in rows for cell in cells.values() if cell for v in cell[:2]]
    limit = max(max(known, default=0.0), 0.5) * 1.1
    top = 30.0
    zero = left + plot_w / 2
    scale = (plot_w / 2) / limit
    chart = Chart(width=_r(left + plot_w + 90), height=_r(top + row_h * len(rows) + 10), label=label)
    for k, family in enumerate(families):
        chart.rects.append(Rect(_r(left + 170 * k), 8, 12, 12, FAMILY_COLOURS.get(family, "#8c959f")))
        chart.texts.append(Text(_r(left + 170 * k + 17), 18, titles.get(family, family), size=11))
    chart.texts.append(Text(_r(left + plot_w + 86), 18, "mean Δ, | best", anchor="end", size=10, fill="#57606a"))
    for i, (title, cells) in enumerate(rows):
        y = top + row_h * i
        chart.texts.append(Text(_r(left - 10), _r(y + row_h / 2), title, anchor="end", size=12, weight="600"))
        for k, family in enumerate(families):
            cell = cells.get(family)
            by = y + bar_h * k
            if cell is None:
                chart.texts.append(Text(_r(zero + 6), _r(by + bar_h - 3), "no variant", size=10, fill="#8c959f"))
                continue
            mean, best, best_variant = cell
            x0, x1 = sorted((zero, zero + mean * scale))
            chart.rects.append(Rect(_r(x0), _r(by + 1), _r(max(x1 - x0, 1.0)), bar_h - 2,
                                    FAMILY_COLOURS.get(family, "#8c959f"),
                                    f"{titles.get(family, family)}: mean {mean:+.2f}, best {best:+.2f} ({best_variant})"))
            bx = zero + best * scale
            chart.lines.append(Line(_r(bx), _r(by), _r(bx), _r(by + bar_h), stroke="#24292f", width=2))
            chart.texts.append(Text(_r(left + plot_w + 8), _r(by + bar_h - 3), f"{mean:+.2f} | {best:+.2f}", size=10))
    chart.lines.append(Line(_r(zero), top - 4, _r(zero), _r(top + row_h * len(rows) - gap + 4)))
    return chart
