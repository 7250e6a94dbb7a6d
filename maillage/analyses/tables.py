"""The one shape every analysis returns: a titled table of numbers.

The same Table feeds the HTML data table, the CSV download, the JSON figures, the SVG chart
and the guide, so the numbers cannot disagree between them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from maillage.analyses.numbers import fmt, fmt_pct

COUNT, PERCENT, RATE, TEXT, SCORE = "count", "percent", "rate", "text", "score"


@dataclass
class Column:
    label: str
    kind: str = COUNT  # how to format: count, percent, rate (per 100,000), score, text


@dataclass
class Row:
    label: str
    values: list
    key: str = ""  # a slug or an official code
    color: str = ""  # a type's colour, for its bar


@dataclass
class Table:
    key: str
    caption: str
    row_header: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    def column(self, index: int) -> list:
        return [row.values[index] for row in self.rows]

    def value(self, key: str, index: int = 0):
        """The value of one row (by key) and column, or None."""
        row = next((row for row in self.rows if row.key == key), None)
        return None if row is None else row.values[index]

    def formatted_rows(self) -> list[tuple[Row, list[str]]]:
        return [
            (row, [format_cell(v, c.kind) for v, c in zip(row.values, self.columns, strict=True)])
            for row in self.rows
        ]

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", self.row_header, *(c.label for c in self.columns)])
        for row in self.rows:
            writer.writerow([row.key, row.label, *(csv_cell(v) for v in row.values)])
        return out.getvalue()

    def as_data(self) -> dict:
        return {
            "key": self.key,
            "caption": self.caption,
            "columns": [c.label for c in self.columns],
            "rows": [{"key": r.key, "label": r.label, "values": r.values} for r in self.rows],
        }


def format_cell(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == TEXT:
        return str(value)
    if kind == PERCENT:
        return fmt_pct(value)
    if kind in (RATE, SCORE):
        return fmt(value, 1)
    return fmt(value, 0)


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return value
