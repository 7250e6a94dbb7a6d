"""French full-text search over structures, identical on SQLite and PostgreSQL.

The text is normalised in Python once, when a structure is saved: lower case, accents and
hyphens removed, French stop words dropped, each word reduced to its Snowball stem (the
same French stemmer PostgreSQL ships). Each database then indexes those ready-made tokens
with its own full-text engine: an FTS5 table on SQLite, a GIN index on a 'simple' tsvector
on PostgreSQL, over a narrow table of what a search reads (migration 0009,
maillage.structures.search_index). Both match every query word as a prefix, so the set of
results is the same; the ranking is a portable SQL expression (words found in the name
count more) so the order is the same too.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable

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


_WORD_SEPARATORS = re.compile(r"[\W_]+")


def _words(text: str) -> list[str]:
    """Lower-case words of text, accents kept (the stemmer's rules need them)."""
    lowered = unicodedata.normalize("NFC", text.lower()).replace("œ", "oe").replace("æ", "ae")
    return [word for word in _WORD_SEPARATORS.split(lowered) if word]


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
    return _text_document(part)


# Vocabulary labels and commune names come back in every structure an import writes: their
# terms are computed once. Descriptions, longer, are not kept.
_CACHED_PART_LENGTH = 120


@functools.lru_cache(maxsize=50_000)
def _short_part_document(part: str) -> str:
    return _text_document(part)


def _text_document(text: str) -> str:
    """The terms of text with its words, space-separated (as terms(text, with_words=True)
    joined), through the terms of each whitespace-separated token of the text, kept.

    Splitting the words of a description with the regular expression of _words() was most
    of the cost of an import's search columns (Unicode classes, char by char); str.split()
    is not, and a corpus repeats its tokens ("bénévoles,", "l'innovation") as it repeats its
    words. The same terms: whitespace is among the separators of _words(), so splitting on
    it first then each token as _words() does gives the same words in the same order (the
    text is lower-cased and normalised whole first, as there).
    """
    words = unicodedata.normalize("NFC", text.lower()).replace("œ", "oe").replace("æ", "ae")
    tokens = words.split()
    known = _token_documents
    try:
        documents = [known[token] for token in tokens]
    except KeyError:
        if len(known) > _MAX_TOKENS:
            known.clear()
        # .get: another thread may clear the cache meanwhile.
        documents = [known.get(token) for token in tokens]
        documents = [
            _token_document(token) if document is None else document
            for token, document in zip(tokens, documents, strict=True)
        ]
    return " ".join(filter(None, documents))


# token → its terms as text, "" for none (stop words, punctuation); cleared when full
_token_documents: dict[str, str] = {}
_MAX_TOKENS = 200_000


def _token_document(token: str) -> str:
    found = []
    for word in _WORD_SEPARATORS.split(token):
        if word:
            stems, extra = _word_terms(word)
            found += stems
            found += extra
    _token_documents[token] = document = " ".join(found)
    return document


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
    """to_tsvector('simple', text) @@ to_tsquery('simple', query), computed for each row
    it filters: _name_condition's test of a structure's search_name on PostgreSQL (no index
    covers the name; the documents' matches come from the search table's GIN index)."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('simple'::regconfig, "
    output_field = BooleanField()


def _search_table_matches(tsquery: str) -> Q:
    """PostgreSQL: the structures whose document matches tsquery, from the search table's
    GIN index (maillage.structures.search_index)."""
    from maillage.structures.search_index import SEARCH_TABLE

    return Q(
        id__in=RawSQL(  # noqa: S611 (a constant table name; the query is a parameter)
            f"SELECT id FROM {SEARCH_TABLE} WHERE {_PG_MATCH}",  # noqa: S608
            [tsquery],
        )
    )


# The search table's stored tsvector (search_index.VECTOR), under its GIN index.
_PG_MATCH = "search_vector @@ to_tsquery('simple'::regconfig, %s)"


def _match_expression(words: list[str]):
    if connection.vendor == "postgresql":
        return _search_table_matches(" & ".join(f"{word}:*" for word in words))
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
        return _search_table_matches(" | ".join(f"{word}:*" for word in words))
    fts_query = " OR ".join(f"{word}*" for word in words)
    return Q(
        id__in=RawSQL(
            "SELECT rowid FROM structures_structure_fts WHERE structures_structure_fts MATCH %s",
            [fts_query],
        )
    )


def _score(words: list[str] | tuple[str, ...]):
    """search()'s rank: a word found at the start of a word of the name weighs 3, elsewhere 1."""
    return sum(
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


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Structures of queryset matching every word of query (as a prefix), best first."""
    words = query_terms(query)
    if not words:  # nothing searchable (stop words, symbols): no match, sortable all the same
        return queryset.annotate(search_rank=Value(0, output_field=IntegerField())).none()
    return (
        matching(queryset, query).annotate(search_rank=_score(words)).order_by("-search_rank", "id")
    )


def _name_condition(words: tuple[str, ...]):
    """A filter condition: at least one word of the name starts with one of these words,
    from the name's own full-text index. The same rows as search()'s
    `search_name LIKE '% word%'` for one of them: both indexes split the name's
    space-separated [0-9a-z] terms into the same tokens."""
    if connection.vendor == "postgresql":
        return _TsMatch(F("search_name"), Value(" | ".join(f"{word}:*" for word in words)))
    from maillage.structures.search_index import NAME_FTS_TABLE

    return Q(
        id__in=RawSQL(  # noqa: S611 (a constant table name; the query is a parameter)
            f"SELECT rowid FROM {NAME_FTS_TABLE} WHERE {NAME_FTS_TABLE} MATCH %s",  # noqa: S608
            [" OR ".join(f"{word}*" for word in words)],
        )
    )


def _name_has_none(words: tuple[str, ...]) -> Q:
    """No word of the name starts with any of these words (search()'s expression)."""
    return ~functools.reduce(
        lambda condition, word: condition | Q(search_name__contains=f" {word}"), words, Q()
    )


Key = tuple[int, int]  # (pk, search_rank)
# The full-text indexes a tier reads (RankedSearch._published_in_index_order).
NAME_INDEX, DOCUMENT_INDEX = "name", "document"
_MATCHES = "search_matches"  # RankedSearch._named's common table


class RankedSearch:
    """The structures matching a query, in search()'s order (rank descending, then id),
    read a page at a time, with the same keys, ranks and count as search().

    search() ranks every match to sort them, so its cost grows with the matches (30,624
    for `fabricat` among 100,000 structures). Here the order is read by tiers instead: the
    rank of a match is n + 2k, n the number of query words and k how many of them start a
    word of its name. Matches with no query word in their name (k = 0) all rank n: they
    come last, in id order, which SQLite's FTS5 table gives as it reads (elsewhere, the
    primary key's order). The others (k ≥ 1) are found through the name's own FTS5 index
    on SQLite (a name condition elsewhere); with one word they all rank n + 2, in id order
    too. A page then reads about its own rows instead of every match. Correct on every
    database (tests run it on both); used where ranked_search() says it is faster.

    structures: the structures searched, other filters applied (not matched, unordered),
    or a function that returns them.
    published_only: they are exactly the published structures; on SQLite the count is then
    the full-text index's own count less the unpublished matches (few), instead of one
    status check per match.
    """

    def __init__(
        self,
        structures: QuerySet | Callable[[], QuerySet],
        query: str,
        *,
        published_only: bool = False,
    ):
        self._structures = structures
        self.words = tuple(query_terms(query))
        self.published_only = published_only
        # The full-text index's own count of the matches (SQLite, published_only), when a
        # page's keys were read with it (see _named).
        self._indexed: int | None = None

    @functools.cached_property
    def structures(self) -> QuerySet:
        """The structures searched, unordered, built when a tier reads through the ORM
        (structures may be a function that returns them: SQLite's published-only tiers
        and count never do)."""
        structures = self._structures
        return (structures() if callable(structures) else structures).order_by()

    def _counted_from_the_index(self) -> bool:
        return self.published_only and connection.vendor == "sqlite"

    def count(self) -> int:
        """The number of matches, as search(...).count()."""
        if not self.words:
            return 0
        if not self._counted_from_the_index():
            return self.structures.filter(_match_expression(list(self.words))).count()
        from maillage.structures.models import Structure
        from maillage.structures.search_index import FTS_TABLE

        fts_query = " ".join(f"{word}*" for word in self.words)
        published = Structure.Status.PUBLISHED
        with connection.cursor() as cursor:
            indexed = self._indexed
            if indexed is None:
                cursor.execute(
                    f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
                    [fts_query],
                )
                (indexed,) = cursor.fetchone()
                self._indexed = indexed  # a page's keys read after need not count again
            # Driven by the status index (`+id`: not by the list of matches, which SQLite
            # then only builds when some structure is unpublished).
            cursor.execute(
                "SELECT count(*) FROM structures_structure "  # noqa: S608 (constants)
                "WHERE (status < %s OR status > %s) AND +id IN "
                f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",
                [published, published, fts_query],
            )
            (unpublished,) = cursor.fetchone()
        return indexed - unpublished

    def keys(self, *, limit: int, after: tuple[float, int] | None = None, backwards=False):
        """Up to limit (pk, search_rank) in search()'s order, from the start or after the
        match whose (search_rank, pk) is `after`; backwards: those before it, nearest first."""
        if not self.words or limit <= 0:
            return []
        segments = [self._named, self._unnamed]
        if backwards:
            segments.reverse()
        keys: list[Key] = []
        for segment in segments:
            if len(keys) >= limit:
                break
            keys += segment(limit - len(keys), after, backwards)
        return keys

    def _named(self, limit: int, after, backwards: bool) -> list[Key]:
        """Matches with at least one query word at the start of a word of their name."""
        words = list(self.words)
        if self._counted_from_the_index():
            if len(words) == 1:
                # The name's terms are among the document's: the name's match is the match.
                return self._published_in_index_order(
                    NAME_INDEX, len(words) + 2, limit, after, backwards
                )
            return self._published_named(limit, after, backwards)
        rows = self.structures.filter(_name_condition(self.words))
        if len(words) == 1:
            return _constant_rank(rows, len(words) + 2, limit, after, backwards)
        rows = rows.filter(_match_expression(words)).annotate(search_rank=_score(words))
        if after is not None:
            rank, pk = after
            if backwards:
                rows = rows.filter(Q(search_rank__gt=rank) | Q(search_rank=rank, pk__lt=pk))
            else:
                rows = rows.filter(Q(search_rank__lt=rank) | Q(search_rank=rank, pk__gt=pk))
        order = ("search_rank", "-pk") if backwards else ("-search_rank", "pk")
        return list(rows.order_by(*order).values_list("pk", "search_rank")[:limit])

    def _published_named(self, limit: int, after, backwards: bool) -> list[Key]:
        """SQLite, the published structures (published_only), several words: the matches
        with a query word at the start of a word of their name, ranked as _score() ranks
        them, in search()'s order. A constant text with parameters, as
        _published_in_index_order: the same statement built through the ORM for each page
        cost 1.5 to 2.5 ms more of a request's CPU, growing with the words (compiling the
        rank's CASE expressions; `energie renouvel` 20.8 → 19.1 ms at 100,000 structures,
        BENCHMARKS.md, session 10).

        While the count is not known, the matches are listed once for this tier and for
        count(): a common table that the statement also counts (several words: listing
        them is most of the cost)."""
        from maillage.structures.models import Structure
        from maillage.structures.search_index import FTS_TABLE, NAME_FTS_TABLE

        words = self.words
        fts_query = " ".join(f"{word}*" for word in words)
        # `AS MATERIALIZED` needs SQLite 3.35 (Django 5.2 supports 3.31).
        shared = self._indexed is None and sqlite3.sqlite_version_info >= (3, 35)
        rank_sql = " + ".join(
            "CASE WHEN s.search_name LIKE %s ESCAPE '\\' THEN 3 ELSE 1 END" for _ in words
        )
        params: list = [f"% {word}%" for word in words]  # [0-9a-z]: nothing to escape
        params += [Structure.Status.PUBLISHED, " OR ".join(f"{word}*" for word in words)]
        if shared:
            matches = f"SELECT id FROM {_MATCHES}"  # noqa: S608 (a constant name)
        else:
            matches = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
            params.append(fts_query)
        ranked = (
            f"SELECT s.id, {rank_sql} AS search_rank FROM structures_structure s "  # noqa: S608
            f"WHERE s.status = %s AND s.id IN "
            f"(SELECT rowid FROM {NAME_FTS_TABLE} WHERE {NAME_FTS_TABLE} MATCH %s) "
            f"AND s.id IN ({matches})"
        )
        where = ""
        if after is not None:
            after_rank, after_pk = after
            where = (
                "WHERE search_rank > %s OR (search_rank = %s AND id < %s)"
                if backwards
                else "WHERE search_rank < %s OR (search_rank = %s AND id > %s)"
            )
            params += [after_rank, after_rank, after_pk]
        order = "search_rank, id DESC" if backwards else "search_rank DESC, id"
        page = f"SELECT id, search_rank FROM ({ranked}) {where} ORDER BY {order} LIMIT %s"  # noqa: S608
        params.append(limit)
        with connection.cursor() as cursor:
            if not shared:
                cursor.execute(page, params)
                return [(pk, rank) for pk, rank in cursor.fetchall()]
            cursor.execute(
                f"WITH {_MATCHES}(id) AS MATERIALIZED "  # noqa: S608 (constant names)
                f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) "
                f"SELECT NULL, count(*) FROM {_MATCHES} UNION ALL SELECT * FROM ({page})",
                [fts_query, *params],
            )
            fetched = cursor.fetchall()
        self._indexed, keys = _counted_keys(fetched, backwards)
        return keys

    def _unnamed(self, limit: int, after, backwards: bool) -> list[Key]:
        """Matches with no query word in their name: all of rank n, in id order."""
        words = list(self.words)
        if self._counted_from_the_index():
            return self._published_in_index_order(
                DOCUMENT_INDEX, len(words), limit, after, backwards
            )
        rows = self.structures.filter(_name_has_none(self.words))
        if connection.vendor != "sqlite":
            return _constant_rank(
                rows.filter(_match_expression(words)), len(words), limit, after, backwards
            )
        from maillage.structures.search_index import FTS_TABLE

        # Joined to the FTS5 table and ordered by its rowid, which it reads in order: the
        # first rows come without listing every match (an `id IN (matches)` builds the list).
        table = connection.ops.quote_name(rows.model._meta.db_table)
        where = [f"{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"]
        params: list = [" ".join(f"{word}*" for word in words)]
        bound = _id_bound(len(words), after, backwards)
        if bound is False:
            return []
        if bound is not None:
            where.append(f"{FTS_TABLE}.rowid {'<' if backwards else '>'} %s")
            params.append(bound)
        rows = rows.extra(  # noqa: S610 (constant names; the values are parameters)
            select={"fts_rowid": f"{FTS_TABLE}.rowid"},
            tables=[FTS_TABLE],
            where=where,
            params=params,
            order_by=["-fts_rowid" if backwards else "fts_rowid"],
        )
        return [(pk, len(words)) for pk in rows.values_list("pk", flat=True)[:limit]]

    def _published_in_index_order(
        self, index: str, rank: int, limit: int, after, backwards: bool
    ) -> list[Key]:
        """SQLite, the published structures (published_only): the keys of one tier, all of
        this rank, read from a full-text index in its rowid order (the structures' ids),
        which FTS5 reads as it goes: the page stops after its rows. NAME_INDEX: the
        matches with a query word at the start of a word of their name (one query word);
        DOCUMENT_INDEX: those with none (search()'s `search_name LIKE '% word%'`, negated).

        The tiers' statements through the ORM gave the same keys; built and compiled for
        each page, they cost more than running them (BENCHMARKS.md, "search8"). A constant
        text with parameters instead: the name's matches joined in the index's order
        rather than listed first (`id IN (…)`), then walked in the structures' order."""
        from maillage.structures.models import Structure
        from maillage.structures.search_index import FTS_TABLE, NAME_FTS_TABLE

        bound = _id_bound(rank, after, backwards)
        if bound is False:
            return []
        table = NAME_FTS_TABLE if index == NAME_INDEX else FTS_TABLE
        joiner = " OR " if index == NAME_INDEX else " "
        where = [f"{table}.rowid = s.id", f"{table} MATCH %s", "s.status = %s"]
        params: list = [joiner.join(f"{word}*" for word in self.words)]
        params.append(Structure.Status.PUBLISHED)
        if index == DOCUMENT_INDEX:
            where.append(
                "NOT (" + " OR ".join("s.search_name LIKE %s ESCAPE '\\'" for _ in self.words) + ")"
            )
            params += [f"% {word}%" for word in self.words]  # [0-9a-z]: nothing to escape
        if bound is not None:
            where.append(f"{table}.rowid {'<' if backwards else '>'} %s")
            params.append(bound)
        params.append(limit)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.id FROM structures_structure s, {table} "  # noqa: S608 (constants)
                f"WHERE {' AND '.join(where)} "
                f"ORDER BY {table}.rowid {'DESC' if backwards else 'ASC'} LIMIT %s",
                params,
            )
            return [(pk, rank) for (pk,) in cursor.fetchall()]


class PublishedSearch:
    """PostgreSQL: the published structures matching a query, in search()'s order, with
    the same keys, ranks and count as search(Structure.objects.published(), query), read
    from the search table alone (maillage.structures.search_index), not the structures'.

    PostgreSQL's count visits the table row of every match (a GIN index gives row
    addresses only; a bitmap heap scan reads each page, no count from the index alone),
    and the same pass ranks them (search()'s expression over search_name), so a page's
    keys and the count come from one statement: the matches listed once (a materialised
    common table), counted, and the page's keys taken from them by a top-N sort. The same
    interface as RankedSearch (count(), keys()).
    """

    # The keys read with the count when count() comes first (the HTML search page counts,
    # then reads its page): its first pages need no second pass.
    _FIRST_KEYS = 100

    def __init__(self, query: str):
        self.words = tuple(query_terms(query))
        self._count: int | None = None
        self._first: list[Key] | None = None  # the first _FIRST_KEYS keys, when read

    def count(self) -> int:
        if not self.words:
            return 0
        if self._count is None:
            self._first = self._read(self._FIRST_KEYS, None, False)
        return self._count

    def keys(self, *, limit: int, after: tuple[float, int] | None = None, backwards=False):
        """As RankedSearch.keys."""
        if not self.words or limit <= 0:
            return []
        first = self._first
        if (
            after is None
            and not backwards
            and first is not None
            and (limit <= len(first) or len(first) < self._FIRST_KEYS)
        ):
            return first[:limit]
        return self._read(limit, after, backwards)

    def _read(self, limit: int, after, backwards: bool) -> list[Key]:
        from maillage.structures.search_index import SEARCH_TABLE

        # search()'s `search_name LIKE '% word%'` (the words are [0-9a-z]: no wildcard in
        # them), as strpos, which costs less than LIKE over every match.
        rank = " + ".join(
            "CASE WHEN strpos(search_name, %s) > 0 THEN 3 ELSE 1 END" for _ in self.words
        )
        params: list = [f" {word}" for word in self.words]
        params.append(" & ".join(f"{word}:*" for word in self.words))
        matches = (
            f"SELECT id, {rank} AS rank FROM {SEARCH_TABLE} "  # noqa: S608 (constants)
            f"WHERE published AND {_PG_MATCH}"
        )
        where = ""
        if after is not None:
            where = (
                "WHERE rank > %s OR (rank = %s AND id < %s)"
                if backwards
                else ("WHERE rank < %s OR (rank = %s AND id > %s)")
            )
            params += [after[0], after[0], after[1]]
        order = "rank, id DESC" if backwards else "rank DESC, id"
        page = f"SELECT id, rank FROM matches {where} ORDER BY {order} LIMIT %s"  # noqa: S608
        params.append(limit)
        with connection.cursor() as cursor:
            if self._count is not None:
                cursor.execute(f"WITH matches AS ({matches}) {page}", params)
                return [(pk, rank) for pk, rank in cursor.fetchall()]
            cursor.execute(
                f"WITH matches AS MATERIALIZED ({matches}) "  # noqa: S608 (constants)
                f"SELECT NULL, count(*) FROM matches UNION ALL ({page})",
                params,
            )
            fetched = cursor.fetchall()
        self._count, keys = _counted_keys(fetched, backwards)
        return keys


def ranked_search(
    structures: QuerySet | Callable[[], QuerySet], query: str, *, published_only: bool = False
) -> RankedSearch | PublishedSearch | None:
    """What reads a page of search(structures, query) and its count the faster way: a
    RankedSearch on SQLite; on PostgreSQL, a PublishedSearch when the structures are
    exactly the published ones (published_only), else None (the caller then pages
    search()'s queryset: one sorted pass over every match, which the count visits anyway).
    """
    if connection.vendor == "sqlite":
        return RankedSearch(structures, query, published_only=published_only)
    if connection.vendor == "postgresql" and published_only:
        return PublishedSearch(query)
    return None


class RankedResults:
    """search(structures, query) as django.core.paginator.Paginator reads it: count() and
    slices, read by tiers (RankedSearch). A slice reads the keys up to its end, then its
    rows through load(pks), which get their search_rank."""

    def __init__(self, ranked: RankedSearch, load: Callable[[list[int]], Iterable]):
        self.ranked = ranked
        self.load = load

    @functools.cached_property
    def _count(self) -> int:
        return self.ranked.count()

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.step is not None or index.stop is None:
            raise TypeError("RankedResults takes slices with an end")
        start = index.start or 0
        keys = self.ranked.keys(limit=index.stop)[start:]
        rows = {row.pk: row for row in self.load([pk for pk, _ in keys])} if keys else {}
        page = []
        for pk, rank in keys:
            row = rows.get(pk)
            if row is None:  # unpublished between reading the keys and the rows
                continue
            row.search_rank = rank
            page.append(row)
        return page


def _counted_keys(fetched: list[tuple], backwards: bool) -> tuple[int, list[Key]]:
    """(count, keys in search()'s order, or its reverse backwards) from the rows of a
    statement that gives the count as (NULL, count) beside the keys (pk, rank)."""
    count = next(total for pk, total in fetched if pk is None)
    keys = [(pk, rank) for pk, rank in fetched if pk is not None]
    keys.sort(key=(lambda key: (key[1], -key[0])) if backwards else (lambda key: (-key[1], key[0])))
    return count, keys


def _id_bound(rank: int, after, backwards: bool):
    """For rows all of this rank: None (no bound), False (none of them), or the id that the
    rows must be above (below, backwards), to come after the key `after`."""
    if after is None:
        return None
    after_rank, pk = after
    if backwards:
        return None if rank > after_rank else pk if rank == after_rank else False
    return None if rank < after_rank else pk if rank == after_rank else False


def _constant_rank(rows: QuerySet, rank: int, limit: int, after, backwards: bool) -> list[Key]:
    bound = _id_bound(rank, after, backwards)
    if bound is False:
        return []
    if bound is not None:
        rows = rows.filter(pk__lt=bound) if backwards else rows.filter(pk__gt=bound)
    pks = rows.order_by("-pk" if backwards else "pk").values_list("pk", flat=True)[:limit]
    return [(pk, rank) for pk in pks]
