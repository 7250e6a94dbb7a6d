"""French full-text search over structures, identical on SQLite and PostgreSQL.

The text is normalised in Python once, when a structure is saved: lower case, accents and
hyphens removed, French stop words dropped, each word reduced to its Snowball stem (the
same French stemmer PostgreSQL ships). Each database then indexes those ready-made tokens
with its own full-text engine: an FTS5 table on SQLite, a GIN index on a 'simple' tsvector
on PostgreSQL (see migration 0002). Both match every query word as a prefix, so the set of
results is the same; the ranking is a portable SQL expression (words found in the name
count more) so the order is the same too.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable

import Stemmer
from django.db import connection
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

# Words too common to help: articles, prepositions, conjunctions, elided forms.
FRENCH_STOP_WORDS = frozenset(
    """
    a au aux avec ce ces d dans de des du en et l la le les leur leurs ou par pour qu que qui
    s sa se ses son sur un une vos votre nos notre y the of and
    """.split()
)

_NON_WORD = re.compile(r"[^0-9a-z]+")
_MAX_QUERY_TERMS = 12


_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    """The Snowball French stemmer, compiled (PyStemmer: the C of the Snowball project,
    twenty times faster than its pure Python translation for the same stems). One per
    thread: a stemmer keeps its working state between calls."""
    try:
        return _local.stemmer
    except AttributeError:
        _local.stemmer = Stemmer.Stemmer("french")
        return _local.stemmer


# Fast paths of fold(): the combining marks of Latin letters (what NFKD leaves of accented
# French letters), and ASCII text with every other byte a separator.
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")  # U+034F is not a mark
_ASCII_SEPARATORS = bytes(
    c if chr(c) in "0123456789abcdefghijklmnopqrstuvwxyz" else 32 for c in range(256)
)


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free: 'Tiers-Lieu Énergie' → 'tiers lieu energie'.

    Written for speed, with the same result as removing every combining mark of the NFKD
    form and replacing each run of other characters than [0-9a-z] with a space: the map's
    payload folds 100,000 names to sort them (3 times faster; BENCHMARKS.md).
    """
    lowered = text.lower()
    if not lowered.isascii():
        lowered = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", lowered))
        if not lowered.isascii():  # other marks, œ, æ, other scripts: the general way
            without_marks = "".join(c for c in lowered if not unicodedata.combining(c))
            return _NON_WORD.sub(" ", without_marks.replace("œ", "oe").replace("æ", "ae")).strip()
    return " ".join(lowered.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split())


def _words(text: str) -> list[str]:
    """Lower-case words of text, accents kept (the stemmer's rules need them)."""
    lowered = unicodedata.normalize("NFC", text.lower()).replace("œ", "oe").replace("æ", "ae")
    return [word for word in re.split(r"[\W_]+", lowered) if word]


@functools.lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(stems, extra whole words) of one lower-case word. Cached: a corpus has far fewer
    distinct words than words, and stemming is the costly part of indexing."""
    folded = fold(word)
    if not folded or folded in FRENCH_STOP_WORDS:
        return (), ()
    stems = tuple(fold(_stemmer().stemWord(word)).split())
    extra = () if folded in stems else tuple(folded.split())
    return stems, extra


def terms(text: str, *, with_words: bool = False) -> list[str]:
    """The searchable terms of a text: stemmed, then folded, stop words dropped.

    with_words also keeps each whole folded word beside its stem, for documents: someone
    typing "fabric" is on the way to "fabrication", whose stem is "fabriqu".
    """
    result: list[str] = []
    for word in _words(text):
        stems, extra = _word_terms(word)
        result += stems
        if with_words:
            result += extra
    return result


def document(*parts: str) -> str:
    """The indexed text of several fields, as space-separated terms."""
    return " ".join(text for text in (_part_document(part) for part in parts if part) if text)


def _part_document(part: str) -> str:
    if len(part) <= _CACHED_PART_LENGTH:
        return _short_part_document(part)
    return " ".join(terms(part, with_words=True))


# Vocabulary labels and commune names come back in every structure an import writes: their
# terms are computed once. Descriptions, longer, are not kept.
_CACHED_PART_LENGTH = 120


@functools.lru_cache(maxsize=50_000)
def _short_part_document(part: str) -> str:
    return " ".join(terms(part, with_words=True))


def search_documents(
    *,
    name: str,
    acronym: str = "",
    labels: Iterable[str] = (),
    commune_name: str = "",
    short_description: str = "",
    description: str = "",
) -> tuple[str, str]:
    """(search_document, search_name) from plain values, for writers that have them at hand.

    labels are the French and English labels of the structure's types, themes and formats.
    """
    full_name = " ".join(filter(None, [name, acronym]))
    full = document(full_name, *labels, commune_name, short_description, description)
    # Padded with spaces so that "word starts with" is a LIKE '% term%' on both databases.
    return full, f" {document(full_name)} "


def structure_documents(structure) -> tuple[str, str]:
    """(search_document, search_name) for a structure whose relations are loaded or loadable."""
    labels = []
    for term in [
        structure.main_type,
        *structure.secondary_types.all(),
        *structure.themes.all(),
        *structure.formats.all(),
    ]:
        labels += [term.label_fr, term.label_en]
    return search_documents(
        name=structure.name,
        acronym=structure.acronym,
        labels=labels,
        commune_name=structure.commune.name if structure.commune_id else "",
        short_description=structure.short_description,
        description=structure.description,
    )


def structure_search_refresh(*, structures: Iterable) -> int:
    """Recompute the search columns of the given structures and save them. Returns the count."""
    from maillage.structures.models import Structure

    changed = []
    for structure in structures:
        search_document, search_name = structure_documents(structure)
        if (search_document, search_name) != (structure.search_document, structure.search_name):
            structure.search_document = search_document
            structure.search_name = search_name
            changed.append(structure)
    Structure.objects.bulk_update(changed, ["search_document", "search_name"], batch_size=500)
    return len(changed)


def query_terms(query: str) -> list[str]:
    """The distinct terms of a user's query, in order, at most a dozen."""
    seen: dict[str, None] = {}
    for term in terms(query):
        seen.setdefault(term, None)
    return list(seen)[:_MAX_QUERY_TERMS]


class _TsMatch(Func):
    """to_tsvector('simple', document) @@ to_tsquery('simple', query): the GIN index's
    expression exactly, so PostgreSQL uses the index."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('simple'::regconfig, "
    output_field = BooleanField()


def _match_expression(words: list[str]):
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        return _TsMatch(F("search_document"), Value(tsquery))
    fts_query = " ".join(f"{word}*" for word in words)
    return Q(
        id__in=RawSQL(
            "SELECT rowid FROM structures_structure_fts WHERE structures_structure_fts MATCH %s",
            [fts_query],
        )
    )


def matching(queryset: QuerySet, query: str) -> QuerySet:
    """Structures of queryset matching every word of query (as a prefix), unordered.

    An empty query, or one made only of stop words, matches nothing.
    """
    words = query_terms(query)
    if not words:
        return queryset.none()
    return queryset.filter(_match_expression(words))


def any_word_condition(words: list[str]):
    """A filter condition: the document holds at least one of these stemmed words (as a
    prefix), for callers that rank the matches themselves (partner matchmaking)."""
    if connection.vendor == "postgresql":
        tsquery = " | ".join(f"{word}:*" for word in words)
        return _TsMatch(F("search_document"), Value(tsquery))
    fts_query = " OR ".join(f"{word}*" for word in words)
    return Q(
        id__in=RawSQL(
            "SELECT rowid FROM structures_structure_fts WHERE structures_structure_fts MATCH %s",
            [fts_query],
        )
    )


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Structures of queryset matching every word of query (as a prefix), best first."""
    words = query_terms(query)
    if not words:  # nothing searchable (stop words, symbols): no match, sortable all the same
        return queryset.annotate(search_rank=Value(0, output_field=IntegerField())).none()
    # A word found at the start of a word of the name weighs 3, elsewhere 1.
    score = sum(
        (
            Case(
                When(search_name__contains=f" {word}", then=Value(3)),
                default=Value(1),
                output_field=IntegerField(),
            )
            for word in words
        ),
        start=Value(0),
    )
    return matching(queryset, query).annotate(search_rank=score).order_by("-search_rank", "id")
