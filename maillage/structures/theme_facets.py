"""The facet values of published structures stored beside their theme links, kept by the
database.

Counting the types and regions of the structures of one theme read each of them from the
structures' facets index and grouped them, then probed the secondary types of each (15 ms
of SQL for 13,000 structures on SQLite, BENCHMARKS.md). `structures_themefacet` holds, for
each theme link of a published structure, one row per type of the structure (its main
type, `main` true, and each secondary type that is not the main one) with the structure's
region code. The counts under a theme are then one range of one index, read in its order
and grouped without a sort:

    SELECT main, type_id, region_code, COUNT(*) FROM structures_themefacet
    WHERE theme_id = ? GROUP BY main, type_id, region_code

(each structure's types from every row, its region and the number of structures from the
`main` rows; maillage.structures.facets).

The database keeps it in step, not the application: triggers on the theme links, the
secondary type links and the structures (insert, update of the status, main type, region
code or id, delete) rewrite the rows concerned. So every writer is covered: imports (SQLite
executemany, PostgreSQL COPY), editions and moderation, the admin, `.set()` of a form, a
term's deletion cascading to its links, the referential's reload moving a structure to
another region, raw SQL. SQLite: row-level triggers; PostgreSQL: statement-level triggers
over the transition tables (one set-based statement for an import's COPY of 200,000 links).

Like the full-text and data-version triggers, they are put back after every `migrate`
(post_migrate): on SQLite a migration that rebuilds a table drops its triggers. A rebuild
copies the rows unchanged, so the table stays right; `theme_facets_rebuild` fills it from
scratch (the migration that creates it).
"""

# Every statement here is built from constant table and column names: no value of a user.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "structures_themefacet"
INDEX = "structures_themefacet_theme_idx"
_PREFIX = "structures_themefacet"
_STRUCTURES = "structures_structure"
_THEMES = "structures_structure_themes"
_SECONDARY = "structures_structure_secondary_types"
_PUBLISHED = "'published'"  # Structure.Status.PUBLISHED

_COLUMNS = "theme_id, type_id, structure_id, main, region_code"


def _rows_of_themes(links: str, structures: str, *, where: str = "") -> str:
    """SELECT of the rows for theme links `links` (structure_id, term_id) of structures
    `structures` (id, status, main_type_id, region_code): the main type's row and one row
    per secondary type other than the main one, published structures only."""
    condition = f"s.status = {_PUBLISHED}" + (f" AND {where}" if where else "")
    return (
        f"SELECT l.term_id, s.main_type_id, s.id, {{true}}, s.region_code "
        f"FROM {links} l JOIN {structures} s ON s.id = l.structure_id WHERE {condition} "
        "UNION ALL "
        f"SELECT l.term_id, st.term_id, s.id, {{false}}, s.region_code "
        f"FROM {links} l JOIN {structures} s ON s.id = l.structure_id "
        f"JOIN {_SECONDARY} st ON st.structure_id = s.id "
        f"WHERE {condition} AND st.term_id <> s.main_type_id"
    )


def _rows_of_secondary(links: str, *, where: str = "") -> str:
    """SELECT of the rows for secondary type links `links` (structure_id, term_id): one per
    theme of the structure, when the type is not its main one."""
    return (
        f"SELECT th.term_id, l.term_id, s.id, {{false}}, s.region_code "
        f"FROM {links} l JOIN {_STRUCTURES} s ON s.id = l.structure_id "
        f"JOIN {_THEMES} th ON th.structure_id = s.id "
        f"WHERE s.status = {_PUBLISHED} AND l.term_id <> s.main_type_id"
        + (f" AND {where}" if where else "")
    )


def _rows_of_structures(structures: str, *, where: str = "") -> str:
    """SELECT of every row of structures `structures` (their theme links, current)."""
    return _rows_of_themes(_THEMES, structures, where=where)


# -- SQLite: row-level triggers ------------------------------------------------------------

_SQLITE_TRUE, _SQLITE_FALSE = "1", "0"


def _sqlite(sql: str) -> str:
    return sql.format(true=_SQLITE_TRUE, false=_SQLITE_FALSE)


def _sqlite_theme_rows(theme: str, structure: str) -> str:
    """SELECT of the rows of one theme link (expressions of the trigger's NEW row)."""
    return _sqlite(
        f"SELECT {theme}, s.main_type_id, s.id, {{true}}, s.region_code FROM {_STRUCTURES} s "
        f"WHERE s.id = {structure} AND s.status = {_PUBLISHED} "
        "UNION ALL "
        f"SELECT {theme}, st.term_id, s.id, {{false}}, s.region_code FROM {_STRUCTURES} s "
        f"JOIN {_SECONDARY} st ON st.structure_id = s.id "
        f"WHERE s.id = {structure} AND s.status = {_PUBLISHED} AND st.term_id <> s.main_type_id"
    )


_SQLITE_INSERT_THEME = (
    f"INSERT INTO {TABLE} ({_COLUMNS}) "
    + _sqlite_theme_rows("NEW.term_id", "NEW.structure_id")
    + ";"
)
_SQLITE_DELETE_THEME = (
    f"DELETE FROM {TABLE} WHERE structure_id = OLD.structure_id AND theme_id = OLD.term_id;"
)
_SQLITE_INSERT_SECONDARY = _sqlite(
    f"INSERT INTO {TABLE} ({_COLUMNS}) "
    f"SELECT th.term_id, NEW.term_id, s.id, {{false}}, s.region_code FROM {_STRUCTURES} s "
    f"JOIN {_THEMES} th ON th.structure_id = s.id "
    f"WHERE s.id = NEW.structure_id AND s.status = {_PUBLISHED} "
    "AND NEW.term_id <> s.main_type_id;"
)
_SQLITE_DELETE_SECONDARY = (
    f"DELETE FROM {TABLE} WHERE structure_id = OLD.structure_id AND type_id = OLD.term_id "
    "AND main = 0;"
)
_SQLITE_INSERT_STRUCTURE = _sqlite(
    f"INSERT INTO {TABLE} ({_COLUMNS}) "
    + _rows_of_structures(_STRUCTURES, where="s.id = NEW.id")
    + ";"
)
_SQLITE_DELETE_STRUCTURE = f"DELETE FROM {TABLE} WHERE structure_id = OLD.id;"
_STRUCTURE_CHANGED = (
    "OLD.id IS NOT NEW.id OR OLD.status IS NOT NEW.status "
    "OR OLD.main_type_id IS NOT NEW.main_type_id OR OLD.region_code IS NOT NEW.region_code"
)

_SQLITE_TRIGGERS = {
    f"{_PREFIX}_themes_insert": f"AFTER INSERT ON {_THEMES} BEGIN {_SQLITE_INSERT_THEME} END",
    f"{_PREFIX}_themes_delete": f"AFTER DELETE ON {_THEMES} BEGIN {_SQLITE_DELETE_THEME} END",
    f"{_PREFIX}_themes_update": (
        f"AFTER UPDATE ON {_THEMES} BEGIN {_SQLITE_DELETE_THEME} {_SQLITE_INSERT_THEME} END"
    ),
    f"{_PREFIX}_secondary_insert": (
        f"AFTER INSERT ON {_SECONDARY} BEGIN {_SQLITE_INSERT_SECONDARY} END"
    ),
    f"{_PREFIX}_secondary_delete": (
        f"AFTER DELETE ON {_SECONDARY} BEGIN {_SQLITE_DELETE_SECONDARY} END"
    ),
    f"{_PREFIX}_secondary_update": (
        f"AFTER UPDATE ON {_SECONDARY} BEGIN "
        f"{_SQLITE_DELETE_SECONDARY} {_SQLITE_INSERT_SECONDARY} END"
    ),
    # A structure written before its links has none: the links' triggers write its rows.
    # Written after them (deferred foreign keys allow it), this one does.
    f"{_PREFIX}_structure_insert": (
        f"AFTER INSERT ON {_STRUCTURES} BEGIN {_SQLITE_INSERT_STRUCTURE} END"
    ),
    f"{_PREFIX}_structure_delete": (
        f"AFTER DELETE ON {_STRUCTURES} BEGIN {_SQLITE_DELETE_STRUCTURE} END"
    ),
    f"{_PREFIX}_structure_update": (
        f"AFTER UPDATE ON {_STRUCTURES} WHEN {_STRUCTURE_CHANGED} BEGIN "
        f"{_SQLITE_DELETE_STRUCTURE} {_SQLITE_INSERT_STRUCTURE} END"
    ),
}

_SQLITE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "theme_id integer NOT NULL, type_id integer NOT NULL, structure_id integer NOT NULL, "
    "main bool NOT NULL, region_code varchar(3) NOT NULL, "
    "PRIMARY KEY (structure_id, theme_id, type_id)) WITHOUT ROWID"
)

# -- PostgreSQL: statement-level triggers over the transition tables -----------------------

_PG_TRUE, _PG_FALSE = "true", "false"


def _pg(sql: str) -> str:
    return sql.format(true=_PG_TRUE, false=_PG_FALSE)


# A link written beside a concurrent change of its structure (another transaction
# closing it, or changing its main type): each trigger reads what its own statement sees,
# so the link's trigger first waits for such a change to commit (a share lock on its
# structures conflicts with their update), and its next statement sees it; the structure's
# update, in turn, waits for the link's transaction. Without it, a link added while its
# structure was closed elsewhere kept the structure counted under the theme.
_PG_LOCK_STRUCTURES = (
    f"PERFORM 1 FROM {_STRUCTURES} WHERE id IN (SELECT structure_id FROM new_rows) FOR SHARE;"
)

_PG_FUNCTIONS = {
    "themes_insert": _pg(
        _PG_LOCK_STRUCTURES
        + f" INSERT INTO {TABLE} ({_COLUMNS}) "
        + _rows_of_themes("new_rows", _STRUCTURES)
        + ";"
    ),
    "themes_delete": (
        f"DELETE FROM {TABLE} f USING old_rows o "
        "WHERE f.structure_id = o.structure_id AND f.theme_id = o.term_id;"
    ),
    "secondary_insert": _pg(
        _PG_LOCK_STRUCTURES
        + f" INSERT INTO {TABLE} ({_COLUMNS}) "
        + _rows_of_secondary("new_rows")
        + ";"
    ),
    "secondary_delete": (
        f"DELETE FROM {TABLE} f USING old_rows o "
        "WHERE f.structure_id = o.structure_id AND f.type_id = o.term_id AND NOT f.main;"
    ),
    "structure_insert": _pg(
        f"INSERT INTO {TABLE} ({_COLUMNS}) " + _rows_of_structures("new_rows") + ";"
    ),
    "structure_delete": (f"DELETE FROM {TABLE} f USING old_rows o WHERE f.structure_id = o.id;"),
    # TRUNCATE (Django's flush: tests, `maillage flush`) fires no row or DELETE trigger.
    "truncate": f"DELETE FROM {TABLE};",
    "secondary_truncate": f"DELETE FROM {TABLE} WHERE NOT main;",
}
_PG_FUNCTIONS["themes_update"] = _PG_FUNCTIONS["themes_delete"] + _PG_FUNCTIONS["themes_insert"]
_PG_FUNCTIONS["secondary_update"] = (
    _PG_FUNCTIONS["secondary_delete"] + _PG_FUNCTIONS["secondary_insert"]
)
# Row-level, with a condition PostgreSQL checks before calling the function: an update
# of other columns (an edition of a description, the search columns of every structure)
# costs nothing, where a statement-level trigger would keep every updated row, whole, in
# its transition tables.
_PG_FUNCTIONS["structure_update"] = _pg(
    f"DELETE FROM {TABLE} WHERE structure_id = OLD.id; "
    f"INSERT INTO {TABLE} ({_COLUMNS}) "
    + _rows_of_structures(_STRUCTURES, where="s.id = NEW.id")
    + ";"
)
_PG_CHANGED = (
    "OLD.id IS DISTINCT FROM NEW.id OR OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.main_type_id IS DISTINCT FROM NEW.main_type_id "
    "OR OLD.region_code IS DISTINCT FROM NEW.region_code"
)


def _statement(transition: str) -> str:
    return f"REFERENCING {transition} FOR EACH STATEMENT"


# name → (table, event, how it fires)
_PG_TRIGGERS = {
    "themes_insert": (_THEMES, "INSERT", _statement("NEW TABLE AS new_rows")),
    "themes_delete": (_THEMES, "DELETE", _statement("OLD TABLE AS old_rows")),
    "themes_update": (_THEMES, "UPDATE", _statement("OLD TABLE AS old_rows NEW TABLE AS new_rows")),
    "secondary_insert": (_SECONDARY, "INSERT", _statement("NEW TABLE AS new_rows")),
    "secondary_delete": (_SECONDARY, "DELETE", _statement("OLD TABLE AS old_rows")),
    "secondary_update": (
        _SECONDARY,
        "UPDATE",
        _statement("OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ),
    "structure_insert": (_STRUCTURES, "INSERT", _statement("NEW TABLE AS new_rows")),
    "structure_delete": (_STRUCTURES, "DELETE", _statement("OLD TABLE AS old_rows")),
    "structure_update": (_STRUCTURES, "UPDATE", f"FOR EACH ROW WHEN ({_PG_CHANGED})"),
    "structure_truncate": (_STRUCTURES, "TRUNCATE", "FOR EACH STATEMENT"),
    "themes_truncate": (_THEMES, "TRUNCATE", "FOR EACH STATEMENT"),
    "secondary_truncate": (_SECONDARY, "TRUNCATE", "FOR EACH STATEMENT"),
}
# The function each trigger calls, when not the one of its own name.
_PG_TRIGGER_FUNCTIONS = {"structure_truncate": "truncate", "themes_truncate": "truncate"}

_PG_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "theme_id bigint NOT NULL, type_id bigint NOT NULL, structure_id bigint NOT NULL, "
    "main boolean NOT NULL, region_code varchar(3) NOT NULL, "
    "PRIMARY KEY (structure_id, theme_id, type_id))"
)

# The counts' index: a theme's rows by main/secondary, type and region, in that order.
_INDEX_DDL = f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (theme_id, main, type_id, region_code)"


def _pg_function_name(name: str) -> str:
    return f"{_PREFIX}_{name}"


def theme_facets_ensure(connection: BaseDatabaseWrapper) -> None:
    """Create the table, its index and the triggers (idempotent).

    SQLite: a trigger missing or whose text differs from this module's (an earlier
    version) is created again; PostgreSQL: every trigger is."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(_SQLITE_TABLE)
            cursor.execute(_INDEX_DDL)
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            present = {name: sql for name, sql in cursor.fetchall()}
            for name, body in _SQLITE_TRIGGERS.items():
                sql = f"CREATE TRIGGER {name} {body}"
                if present.get(name) == sql:
                    continue
                if name in present:
                    cursor.execute(f"DROP TRIGGER {name}")
                cursor.execute(sql)
    elif connection.vendor == "postgresql":
        # The functions written again (no lock on the tables); a trigger created only when
        # missing: dropping one takes an exclusive lock on its table, which would wait for
        # every reader (the downloads' writer reads for minutes) and hold every later one
        # back. A change of how a trigger fires needs a migration that drops it.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(_PG_TABLE)
            cursor.execute(_INDEX_DDL)
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                [f"{_PREFIX}_%"],
            )
            present = {name for (name,) in cursor.fetchall()}
            for name in _PG_FUNCTIONS:
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {_pg_function_name(name)}() RETURNS trigger "
                    f"LANGUAGE plpgsql AS $$ BEGIN {_PG_FUNCTIONS[name]} RETURN NULL; END $$"
                )
            for name, (table, event, fires) in _PG_TRIGGERS.items():
                trigger = _pg_function_name(name)
                if trigger in present:
                    continue
                function = _pg_function_name(_PG_TRIGGER_FUNCTIONS.get(name, name))
                cursor.execute(
                    f"CREATE TRIGGER {trigger} AFTER {event} ON {table} {fires} "
                    f"EXECUTE FUNCTION {function}()"
                )


def theme_facets_rebuild(connection: BaseDatabaseWrapper) -> None:
    """Every row again from the structures and their links (the migration's first fill)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    format_ = _sqlite if connection.vendor == "sqlite" else _pg
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 (constant)
        cursor.execute(
            f"INSERT INTO {TABLE} ({_COLUMNS}) " + format_(_rows_of_structures(_STRUCTURES))
        )


# Structures written at once from which theme_facets_bulk sets the triggers aside: its
# two dozen statements cost less than the triggers' programs from about a hundred
# structures on; under a thousand, an import keeps its number of queries (pinned).
BULK_FROM = 1_000


@contextmanager
def theme_facets_bulk(connection: BaseDatabaseWrapper, count: int) -> Iterator[list[int]]:
    """A bulk write of structures and their links (an import): on SQLite, the rows of the
    structures written are computed once at the block's end, in one statement, instead of
    by a trigger program per link row.

    count: the number of structures the block writes; under BULK_FROM, nothing is set
    aside (the triggers do it). Yields a list that the caller extends with the primary
    keys of every structure it wrote (created or changed, links included). SQLite: in the
    block the triggers are dropped; at its end the rows of those structures are written
    again and the triggers created again, inside the caller's transaction (required): the
    database's write lock is held from the DROP on, no other writer passes unseen, and a
    failure rolls it all back, triggers included. At 100,000 structures: 0.7 s of CPU for
    the statements, 4.2 s for the triggers (BENCHMARKS.md). PostgreSQL: nothing to do, its
    triggers are already one statement per statement written.
    """
    written: list[int] = []
    if connection.vendor != "sqlite" or count < BULK_FROM:
        yield written
        return
    if not connection.in_atomic_block:
        raise RuntimeError("theme_facets_bulk needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()} & set(_SQLITE_TRIGGERS)
        for name in present:
            cursor.execute(f"DROP TRIGGER {name}")
    yield written
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_BULK_IDS} (id integer PRIMARY KEY)")
        cursor.execute(f"DELETE FROM {_BULK_IDS}")
        cursor.executemany(
            f"INSERT OR IGNORE INTO {_BULK_IDS} (id) VALUES (%s)", [(pk,) for pk in written]
        )
        cursor.execute(f"DELETE FROM {TABLE} WHERE structure_id IN (SELECT id FROM {_BULK_IDS})")
        cursor.execute(
            f"INSERT INTO {TABLE} ({_COLUMNS}) "
            + _sqlite(
                _rows_of_structures(_STRUCTURES, where=f"s.id IN (SELECT id FROM {_BULK_IDS})")
            )
        )
        cursor.execute(f"DROP TABLE {_BULK_IDS}")
        for name in present:
            cursor.execute(f"CREATE TRIGGER {name} {_SQLITE_TRIGGERS[name]}")


_BULK_IDS = "temp.structures_themefacet_written"


def theme_facets_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name, (table, _event, _fires) in _PG_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {_pg_function_name(name)} ON {table}")
            for name in _PG_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {_pg_function_name(name)}()")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
