"""What every API request reads beside its answer, read once per data version and kept in
the process: the vocabularies' terms, the names of regions and departments, when the data
last changed.

Each was a query of every request (the terms twice: their keys to parse the filters, then
as models for the facets' labels), a round trip each to PostgreSQL: more than the facet
counts themselves on a first request (BENCHMARKS.md, "reads6"). They change only with the
data, and the data version (maillage.structures.data_version) changes with every committed
write to them, so they are kept under it, as the answers are (maillage.api.cache), but in
the process, without the shared cache's round trip. They are inputs, not answers: they are
kept whatever ANSWER_CACHE says, and the first request after any change reads them again.

The version is read before the values: a write committed between the two reads leaves
newer values under the older version (seen by the requests that read the older version),
never older values under the newer one. Bounded: only the newest version's values are
kept (a few named values), per database. Thread-safe: a lock guards the table; a value is
loaded outside it (two threads may load the same value once each, the same result).
Values are shared between threads: callers must not change them (mappings are read-only).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import MappingProxyType
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

T = TypeVar("T")

_lock = threading.Lock()
# database name → (version, {value name: value}); only the newest version seen is kept.
_kept: dict[str, tuple[str, dict[str, object]]] = {}


def kept(version: str | None, name: str, load: Callable[[], T]) -> T:
    """load()'s result for the data version, computed once per version in this process.

    version: the data version the caller read before (None: load() every time, e.g. where
    no version was read). "0" (the version row removed by hand: every state of the data
    would share it) is never kept either.
    """
    if version is None or version == "0":
        return load()
    database = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    with _lock:
        entry = _kept.get(database)
        if entry is not None and entry[0] == version and name in entry[1]:
            return entry[1][name]  # type: ignore[return-value]
    value = load()
    with _lock:
        entry = _kept.get(database)
        if entry is None or entry[0] != version:
            # Another version replaces the one kept (tokens are random: which is newer is
            # not known; a request that read the version just before a write may put the
            # older back, and the next request loads the newer again: one load more).
            entry = _kept[database] = (version, {})
        entry[1][name] = value
    return value


def kept_mapping(version: str | None, name: str, load: Callable[[], dict]) -> MappingProxyType:
    """kept() for a mapping, made read-only (it is shared between threads)."""
    return kept(version, name, lambda: MappingProxyType(load()))


def clear() -> None:
    """Forget every kept value (tests)."""
    with _lock:
        _kept.clear()
