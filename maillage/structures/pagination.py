"""Keyset (cursor) pagination of structure lists, stable while the data changes.

A cursor is an opaque token holding the sort values of the last row seen and the direction.
Paging forward then back gives the same pages; no OFFSET, so the last page costs what the
first does.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Window

from maillage.structures.text_search import RankedSearch

# sort name → (field or annotation, descending). Ties are broken by id, ascending.
SORTS: dict[str, tuple[str, bool]] = {
    "name": ("name", False),
    "-name": ("name", True),
    "updated_at": ("updated_at", False),
    "-updated_at": ("updated_at", True),
    "relevance": ("search_rank", True),
    "distance": ("distance_km", False),
}


class InvalidCursor(ValueError):
    """The cursor is not one this API produced (or was produced for another sort)."""


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int | None = None  # the number of matches, when asked for and known


def _encode(sort: str, value, pk: int, backwards: bool) -> str:
    if isinstance(value, datetime.datetime):
        value = {"dt": value.isoformat()}
    payload = json.dumps([sort, value, pk, backwards], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[object, int, bool]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, value, pk, backwards = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise InvalidCursor(cursor) from error
    if cursor_sort != sort or not isinstance(pk, int) or not isinstance(backwards, bool):
        raise InvalidCursor(cursor)
    if isinstance(value, dict):
        try:
            value = datetime.datetime.fromisoformat(value["dt"])
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidCursor(cursor) from error
    elif not isinstance(value, str | int | float):
        raise InvalidCursor(cursor)
    return value, pk, backwards


def paginate(
    queryset: QuerySet | Callable[[], QuerySet],
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    load: Callable[[list[int]], Iterable] | None = None,
    carry: tuple[str, ...] = (),
    count: bool = False,
    ranked: RankedSearch | None = None,
) -> Page:
    """One page of queryset in sort order, after (or before) the cursor.

    With load, the sorted query reads only the keys (primary key, sort value and the
    annotations named in carry) of the page, and load(pks) reads the page's rows, which get
    the carried annotations as attributes: the database sorts narrow rows, then loads
    limit rows in full, instead of joining and carrying every matching row to the sort.
    With count (first page only), the total number of matches comes with the keys
    (a window count), not from a second query.
    With ranked (the same search as queryset, which is then not read), a relevance page
    reads its keys and count tier by tier (text_search.RankedSearch) instead of ranking
    every match: the same keys, ranks and count (then on every page, not the first only).
    queryset may be a function that returns it, called only when the page is read from it
    (not when ranked reads it).
    """
    field, descending = SORTS[sort]
    backwards = False
    value = pk = None
    if cursor:
        value, pk, backwards = _decode(cursor, sort)
    carry = tuple(name for name in carry if name != field)
    if (
        ranked is not None
        and sort == "relevance"
        and load is not None
        and not carry
        and (value is None or (isinstance(value, int | float) and not isinstance(value, bool)))
    ):
        keys = ranked.keys(
            limit=limit + 1, after=(value, pk) if cursor else None, backwards=backwards
        )
        total = ranked.count() if count else None  # as cheap on every page
        return _page(sort, field, keys, load, (), limit, cursor, backwards, total)
    if callable(queryset):
        queryset = queryset()
    if cursor:
        after = descending == backwards  # moving to larger values of field
        beyond = Q(**{f"{field}__gt" if after else f"{field}__lt": value})
        tie = Q(**{field: value}, pk__gt=pk) if not backwards else Q(**{field: value}, pk__lt=pk)
        queryset = queryset.filter(beyond | tie)
    ascending_field = not descending if not backwards else descending
    order = F(field).asc() if ascending_field else F(field).desc()
    queryset = queryset.order_by(order, "-pk" if backwards else "pk")
    total = None
    if load is None:
        rows = list(queryset[: limit + 1])
    else:
        names = ("pk", field, *carry)
        if count and not cursor:
            queryset = queryset.annotate(_total=Window(Count("pk")))
            names = (*names, "_total")
        keys = list(queryset.values_list(*names)[: limit + 1])
        if keys and count and not cursor:
            total = keys[0][-1]
        elif count and not cursor:
            total = 0
        return _page(sort, field, keys, load, carry, limit, cursor, backwards, total)
    return _page_of_rows(sort, field, rows, limit, cursor, backwards, total)


def _page(sort, field, keys, load, carry, limit, cursor, backwards, total) -> Page:
    """The page of these keys (pk, sort value, carried values), its rows read by load."""
    loaded = {row.pk: row for row in load([key[0] for key in keys])}
    rows = []
    for key in keys:
        row = loaded[key[0]]
        setattr(row, field, key[1])
        for name, value in zip(carry, key[2:], strict=False):
            setattr(row, name, value)
        rows.append(row)
    return _page_of_rows(sort, field, rows, limit, cursor, backwards, total)


def _page_of_rows(sort, field, rows, limit, cursor, backwards, total) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()

    def key(row):
        return getattr(row, field)

    has_next = (more if not backwards else True) and bool(rows)
    has_previous = (bool(cursor) if not backwards else more) and bool(rows)
    return Page(
        items=rows,
        next_cursor=_encode(sort, key(rows[-1]), rows[-1].pk, False) if has_next else None,
        previous_cursor=_encode(sort, key(rows[0]), rows[0].pk, True) if has_previous else None,
        count=total,
    )
