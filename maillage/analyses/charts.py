"""Server-side SVG charts, the same markup on the web pages and in the PDF guide.

Every chart is an <svg role="img"> whose accessible name (aria-label) states what it shows
in one sentence, with a <title>; the numbers themselves are in the data table printed next
to it. Colours are attributes, not CSS variables, so WeasyPrint draws them as the browser
does; they repeat the tokens of maillage.css.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from maillage.analyses import maps
from maillage.analyses.numbers import fmt, fmt_pct
from maillage.analyses.tables import PERCENT, Table

FONT = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', Arial, "
    "sans-serif"
)
ACCENT = "#2447c7"
ACCENT_SOFT = "#e8edfc"
INK = "#1d1c19"
MUTED = "#5f5b53"
RULE = "#e9e6de"
PAPER = "#ffffff"
NO_DATA = "#f4f2ed"
UNCOVERED = "#c2410c"  # the communes of a coverage map, warm against the blue classes
CELL = 3.0  # side of the cells of a commune map, in map units
POPULATION = "#9a958a"
# Sequential classes from light to dark accent (the last ones carry white text).
SEQUENTIAL = ("#dfe6fb", "#aebff2", "#7590e2", "#3f5fcf", "#1a3596")
WIDTH = 640
BAR_WIDTH = 540  # narrower viewBox: larger text once the chart fills its card


def _open(chart_id: str, width: float, height: float, title: str, summary: str) -> str:
    return (
        f'<svg class="chart" id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="{escape(summary)}" font-family="{FONT}">'
        f"<title>{escape(title)}</title>"
    )


def _text(x, y, text, *, size=13, anchor="start", weight=400, fill=INK, extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{fill}"{extra}>{escape(text)}</text>'
    )


def _clip(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _format(value, kind) -> str:
    if value is None:
        return "–"
    return fmt_pct(value) if kind == PERCENT else fmt(value, 0 if kind == "count" else 1)


def bar_chart(
    table: Table,
    *,
    chart_id: str,
    summary: str,
    column: int = 0,
    note_column: int | None = None,
    hide_empty: bool = False,
) -> SafeString:
    """Horizontal bars, one per row: the label above its bar, the value at the bar's end."""
    rows = [r for r in table.rows if not hide_empty or r.values[column]]
    row_height, top, width = 46, 6, BAR_WIDTH
    height = top + max(len(rows), 1) * row_height + 4
    values = [r.values[column] or 0 for r in rows]
    largest = max(values, default=0) or 1
    bar_width = width - 120
    kind = table.columns[column].kind
    parts = [_open(chart_id, width, height, table.caption, summary)]
    for i, row in enumerate(rows):
        y = top + i * row_height
        value = row.values[column] or 0
        length = bar_width * value / largest
        label = _clip(row.label, 80)
        parts.append(_text(0, y + 15, label, size=15, weight=600))
        parts.append(
            f'<rect x="0" y="{y + 22}" width="{bar_width:.0f}" height="15" rx="3" '
            f'fill="{NO_DATA}"/>'
        )
        if length:
            parts.append(
                f'<rect x="0" y="{y + 22}" width="{max(length, 2):.1f}" height="15" rx="3" '
                f'fill="{escape(row.color or ACCENT)}"/>'
            )
        text = _format(row.values[column], kind)
        if note_column is not None:
            text += f"  ({_format(row.values[note_column], table.columns[note_column].kind)})"
        parts.append(_text(bar_width + 8, y + 35, text, size=14, weight=700))
    if not rows:
        parts.append(_text(0, 24, "–", fill=MUTED))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text went through escape()


def paired_bar_chart(
    table: Table,
    *,
    chart_id: str,
    summary: str,
    first: int,
    second: int,
    first_label: str,
    second_label: str,
) -> SafeString:
    """Two bars per row (share of structures, share of population), on one 0–max scale."""
    row_height, top = 58, 34
    height = top + max(len(table.rows), 1) * row_height + 4
    values = [v or 0 for r in table.rows for v in (r.values[first], r.values[second])]
    largest = max(values, default=0) or 1
    bar_width = BAR_WIDTH - 90
    parts = [_open(chart_id, BAR_WIDTH, height, table.caption, summary)]
    parts.append(f'<rect x="0" y="4" width="12" height="12" rx="2" fill="{ACCENT}"/>')
    parts.append(_text(18, 15, first_label, size=13, fill=INK))
    offset = 30 + len(first_label) * 7
    parts.append(f'<rect x="{offset}" y="4" width="12" height="12" rx="2" fill="{POPULATION}"/>')
    parts.append(_text(offset + 18, 15, second_label, size=13, fill=INK))
    for i, row in enumerate(table.rows):
        y = top + i * row_height
        parts.append(_text(0, y + 14, _clip(row.label, 80), size=15, weight=600))
        for j, (index, color) in enumerate(((first, ACCENT), (second, POPULATION))):
            value = row.values[index]
            length = bar_width * (value or 0) / largest
            by = y + 20 + j * 17
            parts.append(
                f'<rect x="0" y="{by}" width="{max(length, 1.5):.1f}" height="14" rx="2" '
                f'fill="{color}"/>'
            )
            parts.append(
                _text(length + 6, by + 12, _format(value, table.columns[index].kind), size=13)
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def heatmap(table: Table, *, chart_id: str, summary: str) -> SafeString:
    """A cross-table as shaded cells: rows are types, columns the other vocabulary."""
    columns = len(table.columns)
    label_width, cell, header = 230, 24, 150
    # Room on the right for the last rotated column labels.
    width = label_width + max(columns, 1) * cell + 110
    height = header + max(len(table.rows), 1) * cell + 4
    largest = max((v or 0 for r in table.rows for v in r.values), default=0) or 1
    parts = [_open(chart_id, width, height, table.caption, summary)]
    for j, column in enumerate(table.columns):
        x = label_width + j * cell + cell / 2 + 4
        parts.append(
            _text(
                x,
                header - 6,
                _clip(column.label, 26),
                size=11,
                fill=MUTED,
                extra=f' transform="rotate(-55 {x:.1f} {header - 6})"',
            )  # fmt: skip
        )
    for i, row in enumerate(table.rows):
        y = header + i * cell
        parts.append(_text(label_width - 8, y + 16, _clip(row.label, 32), size=12, anchor="end"))
        for j, value in enumerate(row.values):
            x = label_width + j * cell
            if value:
                level = min(int(math.ceil(len(SEQUENTIAL) * value / largest)) - 1, 4)
                fill, ink = SEQUENTIAL[level], (PAPER if level >= 3 else INK)
            else:
                fill, ink = NO_DATA, MUTED
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" rx="3" '
                f'fill="{fill}"/>'
            )
            if value:
                parts.append(
                    _text(x + cell / 2, y + 16, fmt(value, 0), size=10, anchor="middle", fill=ink)
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def classes(values: list[float]) -> list[float]:
    """Upper bounds of up to five classes (quantiles of the non-zero values)."""
    positive = sorted(v for v in values if v)
    if not positive:
        return []
    bounds = []
    for k in range(1, len(SEQUENTIAL) + 1):
        bound = positive[min(len(positive) - 1, math.ceil(k * len(positive) / len(SEQUENTIAL)) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def choropleth(
    *,
    level: str,
    values: dict[str, float | None],
    chart_id: str,
    title: str,
    summary: str,
    legend: str,
    percent: bool = False,
    only: frozenset[str] | None = None,
) -> SafeString:
    """Regions or departments shaded by value; grey where the value is unknown or zero."""
    shapes = maps.shapes(level, only)
    bounds = classes([v for v in values.values() if v is not None])
    palette = SEQUENTIAL[-len(bounds) :] if bounds else ()

    def fill(value):
        if value is None:
            return NO_DATA
        if not value:
            return "#fbfaf7"
        return next(palette[i] for i, b in enumerate(bounds) if value <= b + 1e-9)

    def label(value):
        return fmt_pct(value) if percent else fmt(value, 1)

    height = maps.HEIGHT + 66
    parts = [_open(chart_id, maps.WIDTH, height, title, summary)]
    for shape in shapes:
        if shape.inset:
            x0, y0, x1, y1 = shape.inset
            parts.append(
                f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="4" '
                f'fill="none" stroke="{RULE}"/>'
            )
            parts.append(_text(x0 + 5, y0 + 12, shape.name, size=10, fill=MUTED))
        value = values.get(shape.code)
        parts.append(
            f'<path d="{shape.path}" fill="{fill(value)}" stroke="{PAPER}" stroke-width="0.8" '
            f'stroke-linejoin="round"><title>{escape(shape.name)} : {escape(label(value))}'
            "</title></path>"
        )
    # Legend under the map, three entries a line.
    entries = [("#fbfaf7", label(0))]
    low = 0.0
    for i, bound in enumerate(bounds):
        entries.append((palette[i], f"{label(low)} – {label(bound)}"))
        low = bound
    x0, y0 = maps.METRO_BOX[0], maps.HEIGHT + 4
    parts.append(_text(x0, y0 + 8, legend, size=12, weight=700))
    for i, (color, text) in enumerate(entries):
        x, y = x0 + (i % 3) * 155, y0 + 18 + (i // 3) * 20
        parts.append(
            f'<rect x="{x}" y="{y}" width="14" height="14" rx="2" fill="{color}" stroke="{RULE}"/>'
        )
        parts.append(_text(x + 20, y + 11.5, text, size=11.5))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def _cells_path(points) -> str:
    """Projected points as cells of a grid, one path: consecutive cells of a row are one
    rectangle, so thousands of communes stay a few kilobytes."""
    cells = {(math.floor(x / CELL), math.floor(y / CELL)) for x, y in points}
    runs: list[list[int]] = []  # [row, first column, last column]
    for i, j in sorted(cells, key=lambda cell: (cell[1], cell[0])):
        if runs and runs[-1][0] == j and runs[-1][2] == i - 1:
            runs[-1][2] = i
        else:
            runs.append([j, i, i])
    return "".join(
        f"M{first * CELL:g},{j * CELL:g}h{(last - first + 1) * CELL:g}v{CELL:g}H{first * CELL:g}z"
        for j, first, last in runs
    )


def commune_map(
    *,
    level: str,
    points,
    chart_id: str,
    title: str,
    summary: str,
    legend: str,
    only: frozenset[str] | None = None,
) -> SafeString:
    """Communes as cells over the outlines of a level: `points` are (code, lon, lat), code
    being the commune's territory at that level (a point lands in its overseas inset)."""
    height = maps.HEIGHT + 46
    parts = [_open(chart_id, maps.WIDTH, height, title, summary)]
    for shape in maps.shapes(level, only):
        if shape.inset:
            x0, y0, x1, y1 = shape.inset
            parts.append(
                f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="4" '
                f'fill="none" stroke="{RULE}"/>'
            )
            parts.append(_text(x0 + 5, y0 + 12, shape.name, size=10, fill=MUTED))
        parts.append(
            f'<path d="{shape.path}" fill="{NO_DATA}" stroke="{PAPER}" stroke-width="0.8" '
            f'stroke-linejoin="round"><title>{escape(shape.name)}</title></path>'
        )
    if points:
        parts.append(
            f'<path d="{_cells_path(maps.project_points(level, only, points))}" '
            f'fill="{UNCOVERED}"/>'
        )
    x0, y0 = maps.METRO_BOX[0], maps.HEIGHT + 4
    parts.append(f'<rect x="{x0}" y="{y0 + 14}" width="14" height="14" rx="2" fill="{UNCOVERED}"/>')
    parts.append(_text(x0 + 20, y0 + 25.5, legend, size=11.5))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
