"""Services that create and change structures.

Structure values travel as plain mappings from field name to a ready value (see FIELDS):
scalars as Python values, foreign keys by their natural key (term slug, commune INSEE code,
source slug), many-to-many fields as tuples of term slugs and nested records as tuples of the
frozen dataclasses below. A mapping may hold only some fields: the others are left as they
are (update) or take their defaults (create). This is what lets an import touch only the
columns its file carries.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.referential.models import Commune
from maillage.structures.bulk import (
    EncodedRows,
    insert_columns,
    instances_insert,
    instances_new,
    instances_prepared,
    instances_written,
    integer_rows_encoded,
    integer_rows_insert,
    rows_copy_binary,
    rows_insert,
)
from maillage.structures.data_version import data_version_bulk
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Source,
    Structure,
    Term,
    ValueExample,
)
from maillage.structures.search_index import (
    SEARCH_COLUMNS,
    SEARCH_TABLE,
    search_index_bulk_insert,
    search_index_tidy,
    search_rows_copy,
)
from maillage.structures.text_search import search_documents, structure_search_refresh
from maillage.structures.theme_facets import TABLE as THEME_FACETS_TABLE
from maillage.structures.theme_facets import theme_facets_bulk

UID_PREFIX = "mlg-"
_BATCH = 500
_BULK_INDEX_FROM = 2  # structures created at once: an import, not a single creation
_CHUNK = 900  # ids per IN (...) query, below SQLite's historical limit of 999 parameters


@dataclass(frozen=True, order=True)
class PartnerData:
    name: str
    kind: str = ""  # actor term slug
    structure_uid: str = ""  # uid of the partner when it is a structure of the atlas


@dataclass(frozen=True, order=True)
class ValueExampleData:
    title: str
    description: str = ""


@dataclass(frozen=True, order=True)
class ContactData:
    """A contact to publish. Imports only carry contacts whose publication was consented."""

    name: str
    role: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, order=True)
class ResilienceData:
    title: str
    description: str = ""
    category: str = ""  # resilience term slug
    started_on: Any = None  # datetime.date | None
    ended_on: Any = None


SCALAR_FIELDS = (
    "name",
    "acronym",
    "siret",
    "short_description",
    "description",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "geo_precision",
    "geo_source",
    "website",
    "twitter",
    "facebook",
    "linkedin",
    "year_founded",
    "legal_form",
    "status",
    "source_record_id",
    "last_verified_at",
    "verified_by",
    "provenance_note",
)
# Foreign keys given by natural key.
KEY_FIELDS = ("main_type", "commune_code", "source")
M2M_KINDS = {
    "secondary_types": Term.Kind.TYPE,
    "themes": Term.Kind.THEME,
    "formats": Term.Kind.FORMAT,
    "audiences": Term.Kind.ACTOR,
    "partner_kinds": Term.Kind.ACTOR,
}
NESTED_FIELDS = ("partners", "value_examples", "contacts", "resilience_initiatives")
FIELDS = (*SCALAR_FIELDS, *KEY_FIELDS, *M2M_KINDS, *NESTED_FIELDS)
REQUIRED_FOR_CREATE = ("name", "main_type", "source")

StructureValues = Mapping[str, Any]


@dataclass(frozen=True)
class NewStructure:
    uid: str
    slug: str
    values: StructureValues


@dataclass(frozen=True)
class StructureChange:
    structure: Structure
    changes: StructureValues = field(default_factory=dict)


# --- identifiers ---------------------------------------------------------------------------


def structure_uid(*, source: str = "", key: str = "") -> str:
    """A stable identifier "mlg-" + 8 base32 characters.

    Deterministic when a key is given (the record's identifier in its source, or its natural
    key), so that reloading a source gives the same identifiers; random otherwise.
    """
    if key:
        digest = hashlib.sha256(f"{source}\x1f{key}".encode()).digest()
    else:
        digest = secrets.token_bytes(8)
    # Base32 encodes each 5 bytes as 8 characters on their own: the first 8 characters of
    # the digest's encoding are those of its first 5 bytes (a sixth of the encoding's time).
    return UID_PREFIX + base64.b32encode(digest[:5]).decode("ascii").lower()


def slug_bases(name: str, commune_name: str = "") -> tuple[str, str]:
    """The slugs SlugAllocator tries for a name, before any number: the name's, and the
    name's with the commune's ("" without a commune)."""
    base = slugify(name)[:110].strip("-") or "structure"
    return base, f"{base}-{_commune_slug(commune_name)}".strip("-") if commune_name else ""


@functools.lru_cache(maxsize=40_000)  # about as many as France has communes
def _commune_slug(commune_name: str) -> str:
    # A national file names each commune again and again: slugify (NFKD, two regular
    # expressions) once per commune, not once per row.
    return slugify(commune_name)[:25]


class SlugAllocator:
    """Hands out unique slugs: the name, then name + commune, then name + number."""

    def __init__(self, taken: Iterable[str]):
        self.taken = set(taken)
        # The first number not yet tried after each base: the same slugs as counting from 2
        # every time (taken only grows), without counting again past the many homonyms of
        # a national file (one name, one commune, dozens of times).
        self._numbers: dict[str, int] = {}

    @classmethod
    def from_database(cls) -> SlugAllocator:
        return cls(Structure.objects.values_list("slug", flat=True))

    def allocate(
        self,
        *,
        name: str,
        commune_name: str = "",
        preferred: str = "",
        bases: tuple[str, str] | None = None,
    ) -> str:
        """bases: slug_bases(name, commune_name), when computed already."""
        base, with_commune = bases or slug_bases(name, commune_name)
        candidates = [preferred, base] if preferred else [base]
        if with_commune:
            candidates.append(with_commune)
        for candidate in candidates:
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
        last = candidates[-1]
        number = self._numbers.get(last, 2)
        while f"{last}-{number}" in self.taken:
            number += 1
        self._numbers[last] = number + 1
        slug = f"{last}-{number}"
        self.taken.add(slug)
        return slug


# --- reading the current values --------------------------------------------------------------


def structures_current_values(pks: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Every field of FIELDS for each structure of pks, as the services take them.

    Read with plain value queries (a dozen per 900 structures, no model instances), so that
    an import can compare a whole file with the database quickly.
    """
    result: dict[int, dict[str, Any]] = {}
    for start in range(0, len(pks), _CHUNK):
        chunk = list(pks[start : start + _CHUNK])
        rows = Structure.objects.filter(pk__in=chunk).values(
            "pk", *SCALAR_FIELDS, "main_type__slug", "commune_id", "source__slug"
        )
        for row in rows:
            values = {name: row[name] for name in SCALAR_FIELDS}
            values["main_type"] = row["main_type__slug"]
            values["commune_code"] = row["commune_id"] or ""
            values["source"] = row["source__slug"]
            for name in (*M2M_KINDS, *NESTED_FIELDS):
                values[name] = []
            result[row["pk"]] = values
        for name in M2M_KINDS:
            through = getattr(Structure, name).through
            pairs = through.objects.filter(structure_id__in=chunk).values_list(
                "structure_id", "term__slug"
            )
            for pk, slug in pairs:
                result[pk][name].append(slug)
        for pk, *fields in NamedPartner.objects.filter(structure_id__in=chunk).values_list(
            "structure_id", "name", "kind__slug", "partner_structure__uid"
        ):
            result[pk]["partners"].append(PartnerData(*(field or "" for field in fields)))
        for pk, *fields in ValueExample.objects.filter(structure_id__in=chunk).values_list(
            "structure_id", "title", "description"
        ):
            result[pk]["value_examples"].append(ValueExampleData(*fields))
        # Contacts without publication consent are never exported, so never compared.
        for pk, *fields in Contact.objects.filter(
            structure_id__in=chunk, publication_consent=True
        ).values_list("structure_id", "name", "role", "email", "phone"):
            result[pk]["contacts"].append(ContactData(*fields))
        for (
            pk,
            title,
            description,
            category,
            started_on,
            ended_on,
        ) in ResilienceInitiative.objects.filter(structure_id__in=chunk).values_list(
            "structure_id", "title", "description", "category__slug", "started_on", "ended_on"
        ):
            result[pk]["resilience_initiatives"].append(
                ResilienceData(title, description, category or "", started_on, ended_on)
            )
    for values in result.values():
        for name in (*M2M_KINDS, *NESTED_FIELDS):
            values[name] = _comparable(name, values[name])
    return result


def structure_values(structure: Structure) -> dict[str, Any]:
    """Every field of FIELDS for one structure (see structures_current_values)."""
    return structures_current_values([structure.pk])[structure.pk]


def _resilience_key(item: ResilienceData):
    return (item.title, item.description, item.category, str(item.started_on), str(item.ended_on))


def _comparable(name: str, value: Any) -> Any:
    if name in ("latitude", "longitude") and value is not None:
        return round(float(value), 7)
    if name in M2M_KINDS:
        return tuple(sorted(value))
    if name == "resilience_initiatives":
        return tuple(sorted(value, key=_resilience_key))
    if name in NESTED_FIELDS:
        return tuple(sorted(value))
    return value


def structure_changes(*, current: Mapping[str, Any], values: StructureValues) -> dict[str, Any]:
    """The fields of values that differ from current (as given by structure_values())."""
    return {
        name: value
        for name, value in values.items()
        if _comparable(name, value) != _comparable(name, current.get(name))
    }


# --- writing ---------------------------------------------------------------------------------


class _Keys:
    """Natural keys → primary keys, read once per write."""

    def __init__(self, values: Iterable[StructureValues]):
        values = list(values)
        terms = Term.objects.only("kind", "slug", "label_fr", "label_en")
        self.terms = {(t.kind, t.slug): t.pk for t in terms}
        self.labels = {(t.kind, t.slug): (t.label_fr, t.label_en) for t in terms}
        codes = {v["commune_code"] for v in values if v.get("commune_code")}
        self.commune_names = dict(
            Commune.objects.filter(code__in=codes).values_list("code", "name") if codes else []
        )
        self.sources = dict(Source.objects.values_list("slug", "pk"))
        uids = {
            partner.structure_uid
            for v in values
            for partner in v.get("partners", ())
            if partner.structure_uid
        }
        self.structures = dict(
            Structure.objects.filter(uid__in=uids).values_list("uid", "pk") if uids else []
        )

    def term(self, kind: str, slug: str) -> int | None:
        return self.terms.get((kind, slug)) if slug else None

    def term_ids(self, kind: str) -> dict[str, int]:
        """slug → primary key of the terms of kind."""
        return {slug: pk for (term_kind, slug), pk in self.terms.items() if term_kind == kind}

    def territory(self, commune_code: str | None) -> tuple[str, str]:
        """(department code, region code) of a commune of the write (Structure's copies)."""
        if not hasattr(self, "_territories"):
            # One query for the write, for the communes it names (those of commune_names).
            self._territories = {
                code: (department or "", region or "")
                for code, department, region in Commune.objects.filter(
                    code__in=list(self.commune_names)
                ).values_list("code", "department_id", "department__region_id")
            }
        return self._territories.get(commune_code or "", ("", ""))

    def search_documents(self, values: StructureValues) -> tuple[str, str]:
        """The search columns of a new structure, from its values (no second write)."""
        described = [(Term.Kind.TYPE, values["main_type"])]
        for name in ("secondary_types", "themes", "formats"):
            described += [(M2M_KINDS[name], slug) for slug in values.get(name, ())]
        labels = [label for key in described for label in self.labels.get(key, ())]
        return search_documents(
            name=values.get("name", ""),
            acronym=values.get("acronym", ""),
            labels=labels,
            commune_name=self.commune_names.get(values.get("commune_code") or "", ""),
            short_description=values.get("short_description", ""),
            description=values.get("description", ""),
        )


# Control characters (other than tab, line feed and carriage return) are invisible debris
# of copy and paste; a CSV holding them would be refused as binary when read back.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text_normalise(value: str) -> str:
    """Text as Maillage stores it: control characters removed, surrounding spaces stripped."""
    if value.isprintable():  # no control character (they are all unprintable): most cells
        return value.strip()
    return _CONTROL_CHARACTERS.sub("", value).strip()


def _assign(structure: Structure, values: StructureValues, keys: _Keys) -> None:
    for attname, value in _attributes(values, keys).items():
        setattr(structure, attname, value)


def _attributes(values: StructureValues, keys: _Keys) -> dict[str, Any]:
    """The model attributes (attnames) that values set, as they are written."""
    attributes = {}
    for name in SCALAR_FIELDS:
        if name in values:
            value = values[name]
            attributes[name] = text_normalise(value) if isinstance(value, str) else value
    if "main_type" in values:
        attributes["main_type_id"] = keys.term(Term.Kind.TYPE, values["main_type"])
    if "commune_code" in values:
        attributes["commune_id"] = values["commune_code"] or None
        attributes["department_code"], attributes["region_code"] = keys.territory(
            attributes["commune_id"]
        )
    if "source" in values:
        attributes["source_id"] = keys.sources[values["source"]]
    return attributes


def _write_relations(
    structures: Sequence[tuple[Structure, StructureValues]], keys: _Keys, *, replace: bool
) -> None:
    links = _link_rows([(s.pk, v) for s, v in structures], keys)
    for name, rows in links.items():
        through = getattr(Structure, name).through
        if replace:
            pks = [s.pk for s, v in structures if name in v]
            through.objects.filter(structure_id__in=pks).delete()
        _insert_links(through, rows)
    _write_nested(structures, keys, replace=replace)


def _link_rows(
    structures: Sequence[tuple[int, StructureValues]], keys: _Keys
) -> dict[str, list[tuple[int, int | None]]]:
    """Many-to-many name → the (structure, term) rows of structures (pk, values) that set
    it, sorted (the order they are inserted in)."""
    links = {}
    for name, kind in M2M_KINDS.items():
        concerned = [(pk, v) for pk, v in structures if name in v]
        if not concerned:
            continue
        ids = keys.term_ids(kind)  # 750,000 links in a national import: no call per link
        rows = {(pk, ids.get(slug)) for pk, v in concerned for slug in v[name] if slug}
        links[name] = sorted(rows)
    return links


def _insert_links(through, rows: list[tuple[int, int]] | EncodedRows) -> None:
    """INSERT (structure, term) rows of a many-to-many table in one statement (PostgreSQL's
    COPY, SQLite's INSERT … SELECT over a JSON array: bulk.integer_rows_insert).

    An import of 100,000 structures writes about 750,000 such rows; as model instances
    through bulk_create (instances, signals, and on SQLite batches of under 500 rows to stay
    below 999 parameters) they took half of the import's time (py-spy, BENCHMARKS.md).
    """
    if rows:
        integer_rows_insert(
            through._meta.db_table,
            [through._meta.get_field(name).column for name in ("structure", "term")],
            rows,
        )


def _write_nested(
    structures: Sequence[tuple[Structure, StructureValues]], keys: _Keys, *, replace: bool
) -> None:
    now = timezone.now()
    builders = {
        "partners": lambda pk, p: NamedPartner(
            structure_id=pk,
            name=p.name,
            kind_id=keys.term(Term.Kind.ACTOR, p.kind),
            partner_structure_id=keys.structures.get(p.structure_uid),
        ),
        "value_examples": lambda pk, e: ValueExample(
            structure_id=pk, title=e.title, description=e.description
        ),
        "contacts": lambda pk, c: Contact(
            structure_id=pk,
            name=c.name,
            role=c.role,
            email=c.email,
            phone=c.phone,
            publication_consent=True,
            consent_recorded_at=now,
        ),
        "resilience_initiatives": lambda pk, r: ResilienceInitiative(
            structure_id=pk,
            title=r.title,
            description=r.description,
            category_id=keys.term(Term.Kind.RESILIENCE, r.category),
            started_on=r.started_on,
            ended_on=r.ended_on,
        ),
    }
    models = {
        "partners": NamedPartner,
        "value_examples": ValueExample,
        "contacts": Contact,
        "resilience_initiatives": ResilienceInitiative,
    }
    for name, build in builders.items():
        concerned = [(s, v) for s, v in structures if name in v]
        if not concerned:
            continue
        model = models[name]
        if replace:
            existing = model.objects.filter(structure_id__in=[s.pk for s, _ in concerned])
            if name == "contacts":
                # Contacts without publication consent never leave Maillage, so a file
                # cannot know them: it replaces only the published ones.
                existing = existing.filter(publication_consent=True)
            existing.delete()
        model.objects.bulk_create(
            [build(s.pk, item) for s, v in concerned for item in v[name]], batch_size=_BATCH
        )


def _refresh_search(pks: Sequence[int]) -> None:
    for start in range(0, len(pks), 2000):
        chunk = (
            Structure.objects.filter(pk__in=pks[start : start + 2000])
            .select_related("main_type", "commune")
            .prefetch_related("secondary_types", "themes", "formats")
        )
        structure_search_refresh(structures=chunk)


@transaction.atomic
def structures_write(
    *,
    creates: Sequence[NewStructure] = (),
    updates: Sequence[StructureChange] = (),
    keys: _Keys | None = None,
    now: datetime.datetime | None = None,
    search_columns: Iterable[tuple[str, str]] | None = None,
    ids: Sequence[int] | None = None,
    chunks: Iterable[CreationChunk] | None = None,
) -> list[Structure]:
    """Create and update many structures in a few queries; return the structures written.

    Values must already be valid (see structure_validate); natural keys must exist.
    Fills or refreshes the full-text search columns of every structure written.
    keys (write_keys() of these creates and updates), now (their creation and change time)
    and search_columns (search_columns() of each create, in order) may be given when the
    caller computed them, or is computing them beside (an import).

    ids: primary keys reserved for the creates (bulk.ids_reserve, in this transaction),
    in order; then chunks may give the creates' database rows (and on SQLite their
    links) in order, chunk by chunk (CreationChunk: creation_prepared() of consecutive
    creates, their search columns and ids), computed beside while the chunks before
    them are written. The created structures returned then hold only their primary key
    and uid (the other fields are deferred).
    """
    keys = keys or write_keys(creates, updates)
    now = now or timezone.now()
    if ids is not None and len(ids) != len(creates):
        raise ValueError("one reserved id per structure created")
    # Many rows at once (an import): the data version is bumped once, not once per row.
    if len(creates) + len(updates) < _BULK_INDEX_FROM:
        return _structures_write(creates, updates, keys, now, search_columns, ids, chunks)
    with (
        data_version_bulk(connection, _writes(creates, updates)),
        theme_facets_bulk(connection, len(creates) + len(updates)) as written,
    ):
        structures = _structures_write(creates, updates, keys, now, search_columns, ids, chunks)
        written.extend(structure.pk for structure in structures)
        return structures


def write_keys(
    creates: Sequence[NewStructure], updates: Sequence[StructureChange], *, complete: bool = False
) -> _Keys:
    """The natural keys of a write, read once. complete: read now what is otherwise read on
    first use (for a process that may not query the database)."""
    keys = _Keys([n.values for n in creates] + [u.changes for u in updates])
    if complete:
        keys.territory("")
    return keys


def search_columns(creates: Iterable[NewStructure], keys: _Keys) -> Iterator[tuple[str, str]]:
    """(search_document, search_name) of each new structure, from its values."""
    for new in creates:
        yield keys.search_documents(new.values)


def creation_rows(
    creates: Sequence[NewStructure],
    keys: _Keys,
    now: datetime.datetime,
    search_columns: Iterable[tuple[str, str]],
) -> Iterator[dict[str, Any]]:
    """The columns (attnames) that the new structures are written with, in order; the
    other columns take their defaults."""
    for new, (search_document, search_name) in zip(creates, search_columns, strict=True):
        yield {
            "uid": new.uid,
            "slug": new.slug,
            "created_at": now,
            "updated_at": now,
            **_attributes(new.values, keys),
            "search_document": search_document,
            "search_name": search_name,
        }


@dataclass
class CreationChunk:
    """What is written for consecutive new structures whose ids were reserved."""

    rows: list[tuple]  # their database rows (columns: insert_columns(Structure, with_pk=True))
    # many-to-many name → their links' rows, encoded for the database when it can be;
    # empty where the links are written before all the rows (_links_with_rows)
    links: dict[str, list[tuple[int, int | None]] | EncodedRows]
    # PostgreSQL: their rows of the search table in binary COPY (search_rows_copy),
    # written before theirs so that the structures' insert trigger skips them
    search_rows: bytes = b""


def creation_prepared(
    creates: Sequence[NewStructure],
    keys: _Keys,
    now: datetime.datetime,
    search_columns: Iterable[tuple[str, str]],
    ids: Sequence[int],
) -> tuple[list[Structure], CreationChunk]:
    """The new structures with their reserved ids, and what is written for them: their
    database rows and links. Reads nothing from the database."""
    structures = instances_new(
        Structure,
        [
            {"id": pk, **row}
            for pk, row in zip(ids, creation_rows(creates, keys, now, search_columns), strict=True)
        ],
    )
    rows = list(instances_prepared(Structure, structures, as_given=_AS_GIVEN, with_pk=True))
    links = {}
    if _links_with_rows():
        links = _link_rows([(pk, new.values) for pk, new in zip(ids, creates, strict=True)], keys)
        for name, link_rows in links.items():
            links[name] = integer_rows_encoded(link_rows) or link_rows
    searched = search_rows_copy(structures) if connection.vendor == "postgresql" else b""
    return structures, CreationChunk(rows=rows, links=links, search_rows=searched)


def _links_with_rows() -> bool:
    """Whether a write whose keys were reserved inserts the links of its new structures
    chunk by chunk after their rows (CreationChunk.links), rather than all of them first.

    SQLite: after, so that its deferred foreign keys have no violation pending and
    inserting a structure does not look for the rows referring to it in each child table
    (links first cost the structures' insert a third more, BENCHMARKS.md). PostgreSQL:
    first, in one COPY per table, as before: each COPY of links runs the theme facets'
    statement triggers, which join its rows with the structures (50 chunks of links
    took 37 s of the server's time against 7 s in one COPY per table, load 10)."""
    return connection.vendor == "sqlite"


# Created (and changed) at the time of the write, the same for all of them.
_AS_GIVEN = ("created_at", "updated_at")


def _writes(
    creates: Sequence[NewStructure], updates: Sequence[StructureChange]
) -> set[tuple[str, str]]:
    """The (table, event) pairs that _structures_write does for these creates and updates."""
    related = {
        **{name: getattr(Structure, name).through for name in M2M_KINDS},
        "partners": NamedPartner,
        "value_examples": ValueExample,
        "contacts": Contact,
        "resilience_initiatives": ResilienceInitiative,
    }
    table = Structure._meta.db_table
    writes = {(table, "insert")} if creates else set()
    if updates:
        writes.add((table, "update"))  # the changed columns, the search columns
    for name, model in related.items():
        if any(name in new.values for new in creates):
            writes.add((model._meta.db_table, "insert"))
        if any(name in update.changes for update in updates):
            writes |= {(model._meta.db_table, "delete"), (model._meta.db_table, "insert")}
    return writes


def _structures_write(
    creates: Sequence[NewStructure],
    updates: Sequence[StructureChange],
    keys: _Keys,
    now: datetime.datetime,
    search_columns_: Iterable[tuple[str, str]] | None,
    ids: Sequence[int] | None = None,
    chunks: Iterable[CreationChunk] | None = None,
) -> list[Structure]:
    if search_columns_ is None:
        search_columns_ = search_columns(creates, keys)
    # One structure (a proposal, the admin) is indexed by the trigger; an import's rows
    # in one statement after them (on SQLite, the trigger is dropped meanwhile).
    bulk_index = search_index_bulk_insert if len(creates) >= _BULK_INDEX_FROM else nullcontext
    if ids is not None:
        uids = [new.uid for new in creates]
        created = instances_written(Structure, zip(ids, uids, strict=True), "uid")
        written = [(s, n.values) for s, n in zip(created, creates, strict=True)]
        links_with_rows = _links_with_rows()
        if not links_with_rows:
            # The relations need only the new keys: written first, while the rows of the
            # structures are still being prepared (beside, in an import). The foreign
            # keys to the structures are checked at commit (deferred constraints).
            _write_relations(written, keys, replace=False)
        if chunks is None:
            chunks = [creation_prepared(creates, keys, now, search_columns_, ids)[1]]
        columns = insert_columns(Structure, with_pk=True)
        with bulk_index(connection):
            for chunk in chunks:
                if chunk.search_rows:
                    rows_copy_binary(SEARCH_TABLE, SEARCH_COLUMNS, chunk.search_rows)
                rows_insert(Structure._meta.db_table, columns, chunk.rows)
                # Each table's links in the order of one statement (chunks in key order).
                for name, links in chunk.links.items():
                    _insert_links(getattr(Structure, name).through, links)
        if links_with_rows:
            _write_nested(written, keys, replace=False)
        return _structures_update(created, updates, keys, now)
    created = instances_new(Structure, list(creation_rows(creates, keys, now, search_columns_)))
    with bulk_index(connection):
        instances_insert(Structure, created, as_given=_AS_GIVEN)
    pks = {}
    uids = [structure.uid for structure in created]
    for start in range(0, len(uids), _CHUNK):
        pks.update(
            Structure.objects.filter(uid__in=uids[start : start + _CHUNK]).values_list("uid", "pk")
        )
    alias = connection.alias
    for structure in created:
        structure.pk = pks[structure.uid]
        structure._state.adding, structure._state.db = False, alias
    _write_relations(
        [(s, n.values) for s, n in zip(created, creates, strict=True)], keys, replace=False
    )
    return _structures_update(created, updates, keys, now)


def _structures_update(
    created: list[Structure],
    updates: Sequence[StructureChange],
    keys: _Keys,
    now: datetime.datetime,
) -> list[Structure]:
    changed_fields: set[str] = set()
    for update in updates:
        _assign(update.structure, update.changes, keys)
        update.structure.updated_at = now
        for name in update.changes:
            if name in SCALAR_FIELDS:
                changed_fields.add(name)
            elif name in KEY_FIELDS:
                changed_fields.add({"commune_code": "commune"}.get(name, name))
    if "commune" in changed_fields:
        changed_fields |= {"department_code", "region_code"}
    if updates:
        Structure.objects.bulk_update(
            [u.structure for u in updates], [*changed_fields, "updated_at"], batch_size=_BATCH
        )
        _write_relations([(u.structure, u.changes) for u in updates], keys, replace=True)

    # New structures got their search columns above; changed ones are read back whole.
    _refresh_search([u.structure.pk for u in updates])
    return created + [u.structure for u in updates]


def structures_analyze() -> None:
    """Refresh the query planner's statistics after a large write.

    Without them, PostgreSQL planned a full-text search over 100,000 freshly imported
    structures through the status index and recomputed every row's tsvector: 8.3 s instead
    of 29 ms once analysed (EXPLAIN ANALYZE, BENCHMARKS.md). Autovacuum gets there later;
    an import should not leave the site slow until it does. SQLite's `PRAGMA optimize`
    analyses the tables whose statistics are out of date.

    On PostgreSQL, outside a transaction, the tables are also vacuumed: a freshly written
    table has no page marked all-visible, so every "index-only" scan still reads the rows
    from the table (the facets under a theme: 85-119 instead of 26 ms at 100,000 structures,
    BENCHMARKS.md). VACUUM (ANALYZE) took no longer than ANALYZE alone there (4.5 s).
    VACUUM cannot run in a transaction: inside one, the statistics only, and the search
    indexes' pending entries merged (search_index_tidy), which VACUUM does otherwise.
    """
    tables = [
        Structure._meta.db_table,
        *(getattr(Structure, name).through._meta.db_table for name in M2M_KINDS),
        THEME_FACETS_TABLE,  # written by the links' triggers; its counts read it index-only
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables.append(SEARCH_TABLE)  # written by the structures' triggers
            quote = connection.ops.quote_name
            names = ", ".join(quote(table) for table in tables)
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {names}")
                search_index_tidy(connection)
            else:
                cursor.execute(f"VACUUM (ANALYZE) {names}")  # merges the pending entries too
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def structure_validate(*, values: StructureValues, creating: bool) -> None:
    """Raise ValidationError unless values can be written.

    Checks the required fields, that natural keys exist, and the model's field rules.
    """
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError(_("Champs inconnus : %s") % ", ".join(sorted(unknown)))
    if creating:
        missing = [name for name in REQUIRED_FOR_CREATE if not values.get(name)]
        if missing:
            raise ValidationError(_("Champs obligatoires manquants : %s") % ", ".join(missing))
    keys = _Keys([values])
    if "main_type" in values and keys.term(Term.Kind.TYPE, values["main_type"]) is None:
        raise ValidationError(_("Type de structure inconnu : %s") % values["main_type"])
    if "source" in values and values["source"] not in keys.sources:
        raise ValidationError(_("Source inconnue : %s") % values["source"])
    for name, kind in M2M_KINDS.items():
        for slug in values.get(name, ()):
            if keys.term(kind, slug) is None:
                raise ValidationError(
                    _("Terme inconnu (%(field)s) : %(slug)s") % {"field": name, "slug": slug}
                )
    probe = Structure(uid="mlg-probe", slug="probe", name=values.get("name") or "probe")
    _assign(probe, {k: v for k, v in values.items() if k != "source"}, keys)
    probe.full_clean(
        exclude=["uid", "slug", "main_type", "source", "commune"], validate_unique=False
    )


def structure_create(
    *, values: StructureValues, uid: str | None = None, slug: str | None = None
) -> Structure:
    """Create one structure from values (REQUIRED_FOR_CREATE must be present).

    The uid defaults to a deterministic one when values carry a source_record_id, random
    otherwise; the slug to a unique one from the name. Raises ValidationError.
    """
    structure_validate(values=values, creating=True)
    uid = uid or structure_uid(source=values["source"], key=values.get("source_record_id", ""))
    slug = slug or SlugAllocator.from_database().allocate(name=values["name"])
    with transaction.atomic():
        (structure,) = structures_write(creates=[NewStructure(uid=uid, slug=slug, values=values)])
    return structure


def structure_update(*, structure: Structure, values: StructureValues) -> bool:
    """Change the given fields of a structure; return False when nothing differed (no write)."""
    structure_validate(values=values, creating=False)
    current = structure_values(structure)
    changes = structure_changes(current=current, values=values)
    if not changes:
        return False
    structures_write(updates=[StructureChange(structure=structure, changes=changes)])
    return True


def structure_upsert(*, values: StructureValues) -> tuple[Structure, bool]:
    """Update the structure with the same source and source_record_id, or create it.

    Returns (structure, created).
    """
    existing = None
    if values.get("source_record_id"):
        existing = Structure.objects.filter(
            source__slug=values.get("source"), source_record_id=values["source_record_id"]
        ).first()
    if existing is None:
        return structure_create(values=values), True
    structure_update(structure=existing, values=values)
    existing.refresh_from_db()
    return existing, False


def structures_territory_refresh() -> int:
    """Copy each structure's commune's department and region codes onto it again, where
    they differ; returns the number of structures changed.

    The codes on the structure (Structure.region_code, department_code) are written with
    the structure. A new official geography (`maillage load_referential`) can move a commune
    to another department or region: this brings the copies in step, in one statement.
    """
    department = "SELECT c.department_id FROM referential_commune c WHERE c.code = s.commune_id"
    region = (
        "SELECT d.region_id FROM referential_commune c "
        "JOIN referential_department d ON d.code = c.department_id WHERE c.code = s.commune_id"
    )
    # Their change time too: clients that sync by `updated_since` read them again.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        # Constant SQL: table and column names only; the time is a parameter.
        cursor.execute(
            f"UPDATE structures_structure AS s SET "  # noqa: S608
            f"department_code = COALESCE(({department}), ''), "
            f"region_code = COALESCE(({region}), ''), updated_at = %s "
            f"WHERE s.commune_id IS NOT NULL AND ("
            f"s.department_code <> COALESCE(({department}), '') "
            f"OR s.region_code <> COALESCE(({region}), ''))",
            [now],
        )
        return cursor.rowcount
