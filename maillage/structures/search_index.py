"""The database objects behind full-text search, kept in place after every migration.

SQLite: two FTS5 tables over Structure (external content), one over search_document (what
a search matches) and one over search_name (which matches have a query word in their name,
for the ranking by tiers of text_search.RankedSearch), and the triggers that keep them in
step. Django rebuilds a SQLite table
for some schema changes, which drops its triggers; `search_index_ensure` runs after every
`migrate` (post_migrate) and puts back whatever is missing, rebuilding an index when it had
to.
PostgreSQL: a narrow table beside the structures, `structures_structure_search`, holding
what a search reads of each structure (its id, whether it is published, search_name, and
search_vector, the lexemes of the 'simple' tsvector of search_document, under a GIN
index), kept in step by triggers on the structures (insert, update, delete, truncate:
every writer, imports' COPY included; an import writes its new structures' rows itself,
search_rows_copy).

Why a table of its own: PostgreSQL's exact count of a search (and its ranking) visits the
table row of every match, a GIN index giving row addresses only. Over the structures'
table (188 MB at 100,000 structures, more than the server's shared buffers) that was one
page read per match, 18,809 pages for `fabricat`, ~200 ms (BENCHMARKS.md, search5 and
search6). The narrow table's rows hold the vector out of line (in its TOAST table, read
only when a row is written, indexed or sampled by ANALYZE): its heap is 16 MB at 100,000
structures and stays in shared buffers; a count visits 2,000 pages instead. PostgreSQL
only moves values out of line from rows above 2 KB whatever the table's
toast_tuple_target, and most vectors are smaller than that, so each row carries `ballast`,
2 KB of spaces that compression brings down to a few bytes: the row is written through
the TOAST path, which then moves the vector out (STORAGE EXTERNAL) down to the table's
toast_tuple_target, and keeps search_name in the row (STORAGE PLAIN), read by the ranking
of every match.

Why the vector and not the document's text (migration 0010; 0009 stored the text, the
index on its expression): the text was read by nothing but that expression, and an
expression index makes PostgreSQL parse the document again wherever it needs the
expression's value: ANALYZE's statistics of it (5.5-6.6 s of parsing at 100,000
structures, 0.5-0.7 s with the vector), a rebuild of the index, the recheck of a lossy
bitmap. Writes parse each document once either way (the triggers now, the index's
expression before: an import's COPY costs the same), to_tsvector of the same text: the
same matches. Searches never read the vector (the GIN index answers without a recheck),
so it stays out of line like the text did (barely compressible: STORAGE EXTERNAL). Since
migration 0013 it holds the lexemes without their positions (0.95 KB against 1.4 KB, the
text 1.1 KB), and an import writes its new structures' rows in binary instead of having
them parsed (search_rows_copy).
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from struct import Struct

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "structures_structure_fts"
NAME_FTS_TABLE = "structures_structure_name_fts"


# What FTS5 keeps of each match: the column only, not the word's positions. A search
# asks which structures hold every query word (as a prefix), never where (no phrase, NEAR,
# highlight or bm25): the positions were most of what a prefix query merges and a count
# reads (the count of `numer*` 4.0 → 3.0 ms, `mobil*` 2.9 → 2.3 ms at 100,000 structures,
# the index 98 → 65 MB, its build 17 % shorter; BENCHMARKS.md, "search8"). Migration 0012.
_SQLITE_DETAIL = "detail=column"


def _sqlite_table(table: str, column: str) -> str:
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
        f"{column}, content='structures_structure', content_rowid='id', "
        f"tokenize='unicode61', prefix='2 3 4', {_SQLITE_DETAIL})"
    )


def _sqlite_triggers(table: str, column: str) -> dict[str, str]:
    return {
        f"{table}_insert": (
            "AFTER INSERT ON structures_structure BEGIN "
            f"INSERT INTO {table}(rowid, {column}) VALUES (new.id, new.{column}); END"
        ),
        f"{table}_delete": (
            "AFTER DELETE ON structures_structure BEGIN "
            f"INSERT INTO {table}({table}, rowid, {column}) "
            f"VALUES ('delete', old.id, old.{column}); END"
        ),
        f"{table}_update": (
            f"AFTER UPDATE OF {column} ON structures_structure BEGIN "
            f"INSERT INTO {table}({table}, rowid, {column}) "
            f"VALUES ('delete', old.id, old.{column}); "
            f"INSERT INTO {table}(rowid, {column}) VALUES (new.id, new.{column}); END"
        ),
    }


# table → indexed column of structures_structure
_SQLITE_INDEXES = {FTS_TABLE: "search_document", NAME_FTS_TABLE: "search_name"}
_SQLITE_TRIGGERS = {
    name: sql
    for table, column in _SQLITE_INDEXES.items()
    for name, sql in _sqlite_triggers(table, column).items()
}
SEARCH_TABLE = "structures_structure_search"
SEARCH_GIN = "structures_structure_search_vector"
# The GIN index that the structures' table had before SEARCH_TABLE (migration 0009).
_OLD_GIN = "structures_structure_search_gin"
_OLD_GIN_DDL = (
    f"CREATE INDEX IF NOT EXISTS {_OLD_GIN} ON structures_structure "
    "USING gin (to_tsvector('simple'::regconfig, search_document))"
)
PUBLISHED = "published"  # Structure.Status.PUBLISHED (this module imports no model)
_PUBLISHED = f"'{PUBLISHED}'"
_BALLAST = "repeat(' ', 2100)"  # above PostgreSQL's TOAST_TUPLE_THRESHOLD (~2 KB)
_TSVECTOR = "to_tsvector('simple'::regconfig, {})"
# What the search table stores: the lexemes without their positions (strip). A search asks
# which structures hold every query word (as a prefix), never where: no phrase, weight or
# ts_rank reads positions (the ranking is text_search's own expression), and the GIN index
# holds the lexemes only, so the matches are the same (as on SQLite, whose FTS5 indexes
# keep no positions either, migration 0012). Without them a vector is a third smaller, and
# an import sends it in tsvector's binary form, which PostgreSQL copies in instead of parsing
# (migration 0013, BENCHMARKS.md "Import, ninth pass").
_LEXEMES = f"strip({_TSVECTOR})"


@dataclass(frozen=True)
class Layout:
    """What the search table stores of the document, and its GIN index over it."""

    column: str  # the stored column
    type: str
    value: str  # the column's value from a structures' row, {} the document
    index: str
    indexed: str  # the GIN index's expression


# Since migration 0010: the document's tsvector, computed once when it is written (the
# import's COPY, ANALYZE and every later index build read it instead of parsing the text);
# since 0013 without positions.
VECTOR = Layout("search_vector", "tsvector", _LEXEMES, SEARCH_GIN, "search_vector")
# Migration 0009's: the document's text, the index on its tsvector computed (kept for
# 0010's backward step).
DOCUMENT = Layout(
    "search_document",
    "text",
    "{}",
    "structures_structure_search_document",
    _TSVECTOR.format("search_document"),
)


def _pg_table(layout: Layout) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} ("
        "id bigint PRIMARY KEY, published boolean NOT NULL, search_name text NOT NULL, "
        f"{layout.column} {layout.type} NOT NULL, ballast text DEFAULT {_BALLAST}"
        ") WITH (toast_tuple_target = 128)"
    )


def _pg_storage(layout: Layout) -> str:
    return (
        f"ALTER TABLE {SEARCH_TABLE} ALTER COLUMN {layout.column} SET STORAGE EXTERNAL, "
        "ALTER COLUMN search_name SET STORAGE PLAIN"
    )


def _pg_index(layout: Layout) -> str:
    return (
        f"CREATE INDEX IF NOT EXISTS {layout.index} ON {SEARCH_TABLE} USING gin ({layout.indexed})"
    )


def _pg_rows_of(layout: Layout, structures: str) -> str:
    return (
        f"SELECT id, status = {_PUBLISHED}, search_name, "  # noqa: S608 (constants)
        f"{layout.value.format('search_document')} FROM {structures}"
    )


def _pg_columns(layout: Layout) -> str:
    return f"id, published, search_name, {layout.column}"


# What an import writes into the search table itself (search_rows_copy), beside the
# structures' rows: their insert trigger then skips the structures that have a search row.
SEARCH_COLUMNS = ("id", "published", "search_name", VECTOR.column)

# A document is space-separated terms of [0-9a-z] (text_search). PostgreSQL's parser reads
# each such term as one token, but for a number in exponent notation followed by more
# ("5e5x": the number 5e5, then the word x; checked over every term of up to six
# characters of [01aex]), and drops a token of 2,047 bytes or more. Documents outside these
# cases, or longer than a tsvector's lexemes may be, are left to the trigger's to_tsvector.
_NOT_TERMS = re.compile(r"[^0-9a-z ]")
_SPLIT_BY_THE_PARSER = re.compile(r"(?:^| )[0-9]+e[0-9]+[a-z]")
_EXPONENT = re.compile(r"[0-9]e[0-9]")  # found in fewer documents, four times faster
_MAX_TOKEN = 2046
_MAX_DOCUMENT = 1 << 20
# tsvector's binary form (tsvectorsend): the number of lexemes, then each lexeme in
# PostgreSQL's order (bytewise, a prefix first: Python's for ASCII), NUL-terminated, with
# its number of positions (none: 0 as two bytes).
_COUNT = Struct(">i")
_NO_POSITIONS = "\0\0\0"


def tsvector_binary(document: str) -> bytes | None:
    """strip(to_tsvector('simple', document)) in tsvector's binary form, computed here;
    None where the document is outside what this reproduces (the server computes those).

    The same lexemes as PostgreSQL's for every document of the 100,000-structure
    benchmark and for the cases above (tests/structures/test_search_table.py compares).
    """
    if len(document) >= _MAX_DOCUMENT or _NOT_TERMS.search(document):
        return None
    if _EXPONENT.search(document) and _SPLIT_BY_THE_PARSER.search(document):
        return None
    lexemes = sorted(set(document.split()))
    if not lexemes:
        return _COUNT.pack(0)
    if max(map(len, lexemes)) > _MAX_TOKEN:
        return None
    return _COUNT.pack(len(lexemes)) + (_NO_POSITIONS.join(lexemes) + _NO_POSITIONS).encode()


# PostgreSQL's binary COPY: a signature, flags and header extension (none), rows, and -1.
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_END = b"\xff\xff"
# A row's four fields as far as the name's length: count, then each field's length and
# value (id int8, published bool).
_ROW_START = Struct(">hiqi?i")


def search_rows_copy(structures: Iterable) -> bytes:
    """The search table's rows (SEARCH_COLUMNS) of new structures, as PostgreSQL's binary
    COPY reads them, for those whose vector tsvector_binary gives (the others are left to
    the insert trigger); b"" for none. Reads nothing from the database: computed beside an
    import."""
    parts = [_COPY_SIGNATURE]
    for structure in structures:
        vector = tsvector_binary(structure.search_document)
        if vector is None:
            continue
        name = structure.search_name.encode()
        published = structure.status == PUBLISHED
        parts += [
            _ROW_START.pack(4, 8, structure.id, 1, published, len(name)),
            name,
            _COUNT.pack(len(vector)),
            vector,
        ]
    if len(parts) == 1:
        return b""
    parts.append(_COPY_END)
    return b"".join(parts)


# Row-level for updates, with a condition checked before the function is called: an update
# of other columns costs nothing (a statement-level trigger would keep every updated row,
# whole, in its transition tables). The document's column is written only when the
# document changed: the row keeps its stored value otherwise, and PostgreSQL its index
# entries (a HOT update). `ballast = DEFAULT`: a value not yet compressed, so that the
# new row goes through the TOAST path again (which moves a new value out of line).
def _pg_functions(layout: Layout) -> dict[str, str]:
    column = layout.column
    return {
        # Not the structures whose search row was written with them (search_rows_copy).
        "insert": f"INSERT INTO {SEARCH_TABLE} ({_pg_columns(layout)}) "
        + _pg_rows_of(layout, "new_rows")
        + f" WHERE NOT EXISTS (SELECT FROM {SEARCH_TABLE} s WHERE s.id = new_rows.id);",
        "update": (
            f"UPDATE {SEARCH_TABLE} SET id = NEW.id, published = NEW.status = {_PUBLISHED}, "
            f"search_name = NEW.search_name, {column} = CASE WHEN "
            "OLD.search_document IS DISTINCT FROM NEW.search_document THEN "
            f"{layout.value.format('NEW.search_document')} ELSE {column} END, "
            "ballast = DEFAULT WHERE id = OLD.id;"
        ),
        "delete": f"DELETE FROM {SEARCH_TABLE} s USING old_rows o WHERE s.id = o.id;",
        "truncate": f"DELETE FROM {SEARCH_TABLE};",
    }


_PG_PREFIX = "structures_structure_search"
_PG_FUNCTION_NAMES = ("insert", "update", "delete", "truncate")
_PG_CHANGED = (
    "OLD.id IS DISTINCT FROM NEW.id OR OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.search_name IS DISTINCT FROM NEW.search_name "
    "OR OLD.search_document IS DISTINCT FROM NEW.search_document"
)
_PG_TRIGGERS = {  # name → (event, how it fires)
    "insert": ("INSERT", "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"),
    "update": ("UPDATE", f"FOR EACH ROW WHEN ({_PG_CHANGED})"),
    "delete": ("DELETE", "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"),
    "truncate": ("TRUNCATE", "FOR EACH STATEMENT"),
}


def _pg_name(name: str) -> str:
    return f"{_PG_PREFIX}_{name}"


def _pg_layout(cursor) -> Layout | None:
    """The layout of the search table in place, None without one."""
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
        "AND attname IN (%s, %s) AND NOT attisdropped",
        [SEARCH_TABLE, VECTOR.column, DOCUMENT.column],
    )
    found = {name for (name,) in cursor.fetchall()}
    return VECTOR if VECTOR.column in found else DOCUMENT if found else None


def _pg_ensure(cursor, layout: Layout, *, index: bool = True) -> None:
    """The search table, its triggers and (index) its index (idempotent). The functions
    are written again; the table's storage set and a trigger created only when new
    (either locks a table)."""
    cursor.execute("SELECT to_regclass(%s)", [SEARCH_TABLE])
    if cursor.fetchone()[0] is None:
        cursor.execute(_pg_table(layout))
        cursor.execute(_pg_storage(layout))
    for name, body in _pg_functions(layout).items():
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {_pg_name(name)}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
        )
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
        [f"{_PG_PREFIX}_%"],
    )
    present = {name for (name,) in cursor.fetchall()}
    for name, (event, fires) in _PG_TRIGGERS.items():
        if _pg_name(name) not in present:
            cursor.execute(
                f"CREATE TRIGGER {_pg_name(name)} AFTER {event} ON structures_structure "
                f"{fires} EXECUTE FUNCTION {_pg_name(name)}()"
            )
    if index:
        cursor.execute(_pg_index(layout))


def search_table_create(connection: BaseDatabaseWrapper, *, layout: Layout = VECTOR) -> None:
    """PostgreSQL: the search table (made again in this layout when it was there) filled
    from every structure, its triggers, then its index, in place of the GIN index of the
    structures' table (migrations 0009 and 0010; in the caller's transaction: the lock
    keeps the structures' writers out until it commits, so no row is written twice, by
    the fill and by a trigger)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE structures_structure IN SHARE ROW EXCLUSIVE MODE")
        # The triggers' functions name the table, not hold it: they outlive it.
        cursor.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
        _pg_ensure(cursor, layout, index=False)
        cursor.execute(
            f"INSERT INTO {SEARCH_TABLE} ({_pg_columns(layout)}) "  # noqa: S608 (constants)
            + _pg_rows_of(layout, "structures_structure")
        )
        cursor.execute(_pg_index(layout))  # built once over the rows: faster than row by row
        cursor.execute(f"DROP INDEX IF EXISTS {_OLD_GIN}")


def search_table_remake(connection: BaseDatabaseWrapper, layout: Layout) -> None:
    """A migration's step: the search table made again in this layout (search_table_create,
    in a transaction of its own), then vacuumed and analysed outside it. SQLite: nothing."""
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=connection.alias):
        search_table_create(connection, layout=layout)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {SEARCH_TABLE}"
        )


def search_table_remove(connection: BaseDatabaseWrapper) -> None:
    """PostgreSQL: back to the GIN index on the structures' table (0009 reversed)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in _PG_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {_pg_name(name)} ON structures_structure")
        for name in _PG_FUNCTION_NAMES:
            cursor.execute(f"DROP FUNCTION IF EXISTS {_pg_name(name)}()")
        cursor.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
        cursor.execute(_OLD_GIN_DDL)


def search_index_ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create what is missing of the search indexes; True when one had to be rebuilt."""
    if "structures_structure" not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The search table is made by migration 0009 (filled, then indexed) and made
            # again in its layout by 0010; before 0009 (or with it reversed), the GIN
            # index of the structures' table.
            layout = _pg_layout(cursor)
            if layout is None:
                cursor.execute(_OLD_GIN_DDL)
                return False
            with transaction.atomic(using=connection.alias):
                _pg_ensure(cursor, layout)
            return False
        if connection.vendor != "sqlite":
            return False
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        tables = dict(cursor.fetchall())
        rebuilt = False
        for table, column in _SQLITE_INDEXES.items():
            triggers = _sqlite_triggers(table, column)
            missing = [name for name in triggers if name not in present]
            # An index made before migration 0012 keeps the words' positions: made again.
            outdated = table in tables and _SQLITE_DETAIL not in (tables[table] or "")
            if not missing and not outdated:
                continue
            if outdated:
                cursor.execute(f"DROP TABLE {table}")
            cursor.execute(_sqlite_table(table, column))
            for name in missing:
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {triggers[name]}")
            # Rows written while a trigger was missing are not indexed: index them all again.
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
            rebuilt = True
        return rebuilt


def search_index_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in _PG_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {_pg_name(name)} ON structures_structure")
            for name in _PG_FUNCTION_NAMES:
                cursor.execute(f"DROP FUNCTION IF EXISTS {_pg_name(name)}()")
            cursor.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
            cursor.execute(f"DROP INDEX IF EXISTS {_OLD_GIN}")
        elif connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for table in _SQLITE_INDEXES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


def search_index_tidy(connection: BaseDatabaseWrapper) -> None:
    """After a large write on PostgreSQL, move the GIN index's pending entries into the
    index proper.

    GIN keeps new entries in a pending list (up to 4 MB) that every search reads in full
    until a VACUUM merges it: after the 100,000-structure import, 490 pages read by every
    search (the index scan of `solidaire` took 8.6 ms, 1.0 ms once merged). Merging took
    0.1 s. Elsewhere, nothing.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_GIN])


_INSERT_TRIGGERS = {table: f"{table}_insert" for table in _SQLITE_INDEXES}
_FTS5_DEFAULT_AUTOMERGE = 4


@contextmanager
def search_index_bulk_insert(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Index the structures inserted inside the block with one statement per index at its end.

    On SQLite the insert triggers index each new row on its own: 85 % of the time of
    inserting 10,000 structures, four to five times what one INSERT … SELECT into the FTS5
    table takes for the same rows (BENCHMARKS.md). The triggers are dropped for the block and
    created again after it, inside the caller's transaction (required): the database holds
    its write lock throughout, so no other writer inserts an unindexed row, and a failure or
    a kill rolls the triggers back with everything else. Rows are only inserted in the
    block, so the new ones are those above the largest id before it. Elsewhere, nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("search_index_bulk_insert needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        # An index without its trigger is rebuilt whole by search_index_ensure.
        tables = [table for table, trigger in _INSERT_TRIGGERS.items() if trigger in present]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM structures_structure")
        (last_id,) = cursor.fetchone()
        for table in tables:
            cursor.execute(f"DROP TRIGGER {_INSERT_TRIGGERS[table]}")
    yield
    with connection.cursor() as cursor:
        for table in tables:
            column = _SQLITE_INDEXES[table]
            insert = (
                f"INSERT INTO {table}(rowid, {column}) "  # noqa: S608 (constants)
                f"SELECT id, {column} FROM structures_structure WHERE id > %s"
            )
            if table != FTS_TABLE:  # the names, short: 0.7 s for 100,000, merging as usual
                cursor.execute(insert, [last_id])
            else:
                # FTS5 merges its segments as they are written (automerge): for one INSERT
                # of 100,000 documents, half of its 6.3 s. Set to 0 for that INSERT, then
                # back to what it was (FTS5's default is 4): later writes merge the new
                # segments a few at a time as usual; a search over them was as fast (0.7 ms
                # for a prefix over 100,000).
                cursor.execute(
                    f"SELECT v FROM {table}_config WHERE k = 'automerge'"  # noqa: S608
                )
                found = cursor.fetchone()
                automerge = found[0] if found else _FTS5_DEFAULT_AUTOMERGE
                cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
                cursor.execute(insert, [last_id])
                cursor.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES ('automerge', %s)", [automerge]
                )
            trigger = _INSERT_TRIGGERS[table]
            cursor.execute(f"CREATE TRIGGER {trigger} {_SQLITE_TRIGGERS[trigger]}")
