"""French search over practice sheets, with the structures' normalisation
(maillage.structures.text_search): the same stems, folding and stop words, so a word finds
a sheet exactly as it finds a structure, on SQLite (FTS5) and PostgreSQL (GIN tsvector).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from maillage.practices.search_index import FTS_TABLE
from maillage.structures import text_search


def practice_documents(
    *, title: str, summary: str, body: str, participants: str, outcomes: str
) -> tuple[str, str]:
    """(search_document, search_title) of a sheet's texts."""
    full = text_search.document(title, summary, body, participants, outcomes)
    # Padded so that "a word of the title starts with" is LIKE '% term%' on both databases.
    return full, f" {text_search.document(title)} "


class _TsMatch(Func):
    """to_tsvector('simple', document) @@ to_tsquery('simple', query), the GIN index's
    expression exactly, so that PostgreSQL uses the index."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('simple'::regconfig, "
    output_field = BooleanField()


def _match(words: list[str]):
    if connection.vendor == "postgresql":
        return _TsMatch(F("search_document"), Value(" & ".join(f"{w}:*" for w in words)))
    return Q(
        # The table name is a module constant; the query words are a bound parameter.
        id__in=RawSQL(  # noqa: S611
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
            [" ".join(f"{w}*" for w in words)],
        )
    )


def practice_search(queryset: QuerySet, query: str) -> QuerySet:
    """Sheets of queryset matching every word of query (stem or prefix), best first: a word
    found at the start of a word of the title weighs 3, elsewhere 1; then the newest."""
    words = text_search.query_terms(query)
    if not words:
        return queryset.none()
    score = sum(
        (
            Case(
                When(search_title__contains=f" {word}", then=Value(3)),
                default=Value(1),
                output_field=IntegerField(),
            )
            for word in words
        ),
        start=Value(0),
    )
    return (
        queryset.filter(_match(words))
        .annotate(search_rank=score)
        .order_by("-search_rank", "-published_at", "-id")
    )
