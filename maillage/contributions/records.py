"""Records as contributions carry them: proposal payloads, snapshots and their differences.

A payload uses the export's column names (maillage.exports.columns), which are also the
names the structure services take, so a payload becomes service values by turning lists into
tuples. A snapshot is the structure's nested export object (maillage.exports.serialize).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from maillage.exports.columns import COLUMNS, DERIVED_COLUMNS
from maillage.exports.serialize import (
    contact_item,
    initiative_item,
    partner_item,
    value_example_item,
)
from maillage.referential.models import Commune
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Source,
    Structure,
    Term,
    ValueExample,
)
from maillage.structures.services import (
    M2M_KINDS,
    ContactData,
    PartnerData,
    ResilienceData,
    ValueExampleData,
)

# The fields a visitor may propose, in the form's order.
TEXT_FIELDS = (
    "name",
    "acronym",
    "short_description",
    "description",
    "address",
    "postcode",
    "website",
    "linkedin",
    "twitter",
    "facebook",
    "legal_form",
    "siret",
)
TERM_LIST_FIELDS = ("secondary_types", "themes", "formats", "audiences", "partner_kinds")
PROPOSABLE_FIELDS = (
    "name",
    "acronym",
    "main_type",
    "secondary_types",
    "short_description",
    "description",
    "address",
    "postcode",
    "commune_code",
    "website",
    "linkedin",
    "twitter",
    "facebook",
    "year_founded",
    "legal_form",
    "siret",
    "themes",
    "formats",
    "audiences",
    "partner_kinds",
)
# Fields a snapshot holds that never count as a change (they move with every write).
_IGNORED_IN_DIFF = {"updated_at"}
_COLUMN_TITLES = {column.name: column.title for column in COLUMNS}
_NESTED_TITLES = {
    "partners": "Partenaires",
    "value_examples": "Exemples de valeur créée",
    "contacts": "Contacts",
    "resilience_initiatives": "Initiatives de résilience",
}


def field_title(name: str) -> str:
    """The French title of a record field, for diff tables."""
    return _COLUMN_TITLES.get(name) or _NESTED_TITLES.get(name) or name


def payload_values(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Service values (maillage.structures.services) from a proposal payload."""
    values: dict[str, Any] = {}
    for name in PROPOSABLE_FIELDS:
        if name not in payload:
            continue
        value = payload[name]
        if name in M2M_KINDS:
            value = tuple(value or ())
        elif name == "year_founded":
            value = int(value) if value not in (None, "") else None
        elif value is None:
            value = ""
        values[name] = value
    return values


def structure_payload(structure: Structure) -> dict[str, Any]:
    """The proposable fields of a structure, as a payload (to prefill a correction)."""
    snapshot = structure_snapshot(structure.pk)
    return {name: snapshot.get(name) for name in PROPOSABLE_FIELDS}


def structure_snapshot(pk: int) -> dict[str, Any]:
    """The structure's nested export object now (contacts only with consent)."""
    return snapshots([pk])[pk]


def snapshots(pks: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Nested export objects of many structures (what nested_object() gives for each), in
    a fixed number of queries per chunk of 900.

    Read with plain value queries and dictionaries, no model instances: an import records
    the revision of every structure it writes, and building 100,000 structures with their
    prefetched relations as model instances took more than half of the import's time
    (cProfile, BENCHMARKS.md). tests/contributions/test_snapshots.py checks that both give
    the same objects.
    """
    pks = list(pks)
    if not pks:
        return {}
    terms = dict(Term.objects.values_list("pk", "slug"))
    sources = dict(Source.objects.values_list("pk", "slug"))
    communes: dict[str, dict[str, Any]] = {}
    result = {}
    for start in range(0, len(pks), _SNAPSHOT_CHUNK):
        chunk = pks[start : start + _SNAPSHOT_CHUNK]
        rows = list(
            Structure.objects.filter(pk__in=chunk)
            .order_by()
            .values("pk", "uid", "main_type_id", "commune_id", "source_id", *_PLAIN_COLUMNS)
        )
        codes = {row["commune_id"] for row in rows if row["commune_id"]} - communes.keys()
        if codes:
            for commune in Commune.objects.filter(code__in=codes).values(
                "code", *_COMMUNE_COLUMNS.values()
            ):
                communes[commune["code"]] = commune
        # The related tables are filtered by a subquery on the chunk: the ORM prepares the
        # 900 ids once, not once per table (that preparation was most of this function).
        related = _related_values(Structure.objects.filter(pk__in=chunk).values("pk"), terms)
        for row in rows:
            pk = row["pk"]
            commune = communes.get(row["commune_id"]) if row["commune_id"] else None
            item: dict[str, Any] = {}
            for column in COLUMNS:
                name = column.name
                if name == "id":
                    value: Any = row["uid"]
                elif name == "main_type":
                    value = terms[row["main_type_id"]]
                elif name == "commune_code":
                    value = row["commune_id"] or ""
                elif name == "source":
                    value = sources[row["source_id"]]
                elif column.multiple:
                    value = sorted(related[name].get(pk, ()))
                elif name in _COMMUNE_COLUMNS:
                    value = commune[_COMMUNE_COLUMNS[name]] if commune else None
                    value = value if value is not None else ""
                else:
                    value = row[name]
                    if isinstance(value, dt.datetime):
                        value = _export_datetime(value)
                item[name] = value
            for name in _NESTED_TITLES:
                item[name] = related[name].get(pk, [])
            result[pk] = item
    return result


def snapshots_of_created(
    created: Sequence[tuple[Structure, Mapping[str, Any]]],
) -> dict[int, dict[str, Any]]:
    """The snapshots of structures just created by structures_write (each given with the
    values it was created from), built from what was written instead of read back: what
    snapshots() would read, field by field and in the same order.

    An import records the creation of every structure it writes; reading 100,000 of them
    back with their relations was a sixth of its time (BENCHMARKS.md). The instance holds
    every column as written (values assigned, defaults for the others); the values hold
    the term slugs and nested records. Structures whose nested records the database orders
    by a collation (several partners, several initiatives) or points elsewhere (a partner
    that is a structure of the atlas) are read back with snapshots().
    """
    if not created:
        return {}
    records = CreatedRecords({structure.commune_id for structure, _values in created})
    result: dict[int, dict[str, Any]] = {}
    reread = []
    for structure, values in created:
        if records.read_back(values):
            reread.append(structure.pk)
        else:
            result[structure.pk] = records.record(structure, values)
    result.update(snapshots(reread))
    return result


class CreatedRecords:
    """Records of created structures from what was written (see snapshots_of_created),
    with every term, source and commune they name read at once, so that record() reads
    nothing from the database."""

    def __init__(self, commune_codes: Iterable[str | None]):
        self.terms = dict(Term.objects.values_list("pk", "slug"))
        self.known_terms = set(Term.objects.values_list("kind", "slug"))
        self.sources = dict(Source.objects.values_list("pk", "slug"))
        self.communes: dict[str, dict[str, Any]] = {}
        codes_list = sorted({code for code in commune_codes if code})
        for start in range(0, len(codes_list), _SNAPSHOT_CHUNK):
            for commune in Commune.objects.filter(
                code__in=codes_list[start : start + _SNAPSHOT_CHUNK]
            ).values("code", *_COMMUNE_COLUMNS.values()):
                self.communes[commune["code"]] = commune
        self.plain = [
            (name, field.attname, _read_back(field))
            for name in _PLAIN_COLUMNS
            for field in [Structure._meta.get_field(name)]
        ]

    @staticmethod
    def read_back(values: Mapping[str, Any]) -> bool:
        """True when the record must be read back from the database (snapshots())."""
        partners = values.get("partners", ())
        return (
            len(partners) > 1
            or len(values.get("resilience_initiatives", ())) > 1
            or any(partner.structure_uid for partner in partners)
        )

    def record(self, structure: Structure, values: Mapping[str, Any]) -> dict[str, Any]:
        """The record of structure, created from values (read_back(values) false)."""
        known_terms = self.known_terms
        # Every column in COLUMNS' order (the keys are placed first, then filled in).
        item: dict[str, Any] = dict.fromkeys(_COLUMN_NAMES)
        for name, attname, read in self.plain:
            item[name] = read(getattr(structure, attname))
        item["id"] = structure.uid
        item["main_type"] = self.terms[structure.main_type_id]
        item["commune_code"] = structure.commune_id or ""
        item["source"] = self.sources[structure.source_id]
        for name in _MULTIPLE_COLUMNS:
            item[name] = sorted({slug for slug in values.get(name, ()) if slug})
        commune = self.communes.get(structure.commune_id) if structure.commune_id else None
        for name, key in _COMMUNE_COLUMNS.items():
            value = commune[key] if commune else None
            item[name] = value if value is not None else ""
        item["partners"] = [
            partner_item(
                partner.name,
                partner.kind if (Term.Kind.ACTOR, partner.kind) in known_terms else "",
                "",
            )
            for partner in values.get("partners", ())
        ]
        item["value_examples"] = [
            value_example_item(example.title, example.description)
            for example in values.get("value_examples", ())
        ]
        item["contacts"] = [
            contact_item(contact.name, contact.role, contact.email, contact.phone)
            for contact in values.get("contacts", ())
        ]
        item["resilience_initiatives"] = [
            initiative_item(
                initiative.title,
                initiative.description,
                initiative.category
                if (Term.Kind.RESILIENCE, initiative.category) in known_terms
                else "",
                initiative.started_on,
                initiative.ended_on,
            )
            for initiative in values.get("resilience_initiatives", ())
        ]
        return item


def _read_back(field) -> Any:
    """value written → the value snapshots() reads back for field (as a snapshot holds it)."""
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
        # A choice's enum member is read back as plain text.
        return lambda value: value if type(value) is str or value is None else str(value)
    if kind == "FloatField":
        return lambda value: None if value is None else float(value)
    if kind in ("IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"):
        return lambda value: None if value is None else int(value)
    if kind == "DateTimeField":
        prepare = field.get_prep_value  # a naive date-time is made aware, as when saved

        def read(value):
            return None if value is None else _export_datetime(prepare(value))

        return read

    def prepared(value):
        value = field.get_prep_value(value)
        return _export_datetime(value) if isinstance(value, dt.datetime) else value

    return prepared


_SNAPSHOT_CHUNK = 900  # ids per IN (...) query, below SQLite's historical 999 parameters
# Derived columns read from the commune (and its department, region and EPCI).
_COMMUNE_COLUMNS = {
    "commune_name": "name",
    "department_code": "department_id",
    "department_name": "department__name",
    "region_code": "department__region_id",
    "region_name": "department__region__name",
    "epci_code": "epci_id",
    "epci_name": "epci__name",
    "epci_kind": "epci__kind",
}
_COLUMN_NAMES = tuple(column.name for column in COLUMNS)
_MULTIPLE_COLUMNS = tuple(column.name for column in COLUMNS if column.multiple)
# Columns that are a structure's own field under the same name.
_PLAIN_COLUMNS = tuple(
    column.name
    for column in COLUMNS
    if not column.multiple
    and column.name not in _COMMUNE_COLUMNS
    and column.name not in ("id", "main_type", "commune_code", "source")
)


def _related_values(chunk: QuerySet, terms: Mapping[int, str]) -> dict[str, dict[int, list]]:
    """Term slugs and nested records of the structures of chunk, by kind then structure pk,
    in the order nested_object() lists them (each model's default ordering)."""
    related: dict[str, dict[int, list]] = {}
    for column in COLUMNS:
        if column.multiple:
            through = getattr(Structure, column.name).through
            by_structure: dict[int, list] = {}
            for pk, term_id in through.objects.filter(structure_id__in=chunk).values_list(
                "structure_id", "term_id"
            ):
                by_structure.setdefault(pk, []).append(terms[term_id])
            related[column.name] = by_structure

    def ordered(model, **filters):
        return model.objects.filter(structure_id__in=chunk, **filters).order_by(
            *model._meta.ordering, "pk"
        )

    partners: dict[int, list] = {}
    for pk, name, kind_id, partner_uid in ordered(NamedPartner).values_list(
        "structure_id", "name", "kind_id", "partner_structure__uid"
    ):
        partners.setdefault(pk, []).append(
            partner_item(name, terms[kind_id] if kind_id else "", partner_uid or "")
        )
    examples: dict[int, list] = {}
    for pk, title, description in ordered(ValueExample).values_list(
        "structure_id", "title", "description"
    ):
        examples.setdefault(pk, []).append(value_example_item(title, description))
    contacts: dict[int, list] = {}
    # Contacts leave Maillage only with the person's consent.
    for pk, name, role, email, phone in ordered(Contact, publication_consent=True).values_list(
        "structure_id", "name", "role", "email", "phone"
    ):
        contacts.setdefault(pk, []).append(contact_item(name, role, email, phone))
    initiatives: dict[int, list] = {}
    for pk, title, description, category_id, started_on, ended_on in ordered(
        ResilienceInitiative
    ).values_list("structure_id", "title", "description", "category_id", "started_on", "ended_on"):
        initiatives.setdefault(pk, []).append(
            initiative_item(
                title, description, terms[category_id] if category_id else "", started_on, ended_on
            )
        )
    related.update(
        partners=partners,
        value_examples=examples,
        contacts=contacts,
        resilience_initiatives=initiatives,
    )
    return related


def _export_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return sorted((_comparable(item) for item in value), key=lambda item: repr(item))
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if value == "":
        return None
    return value


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """Names of the fields that differ between two records (all of after's for a creation)."""
    if not before:
        # A creation: every field that holds something (what the general case below gives
        # when comparing with nothing, without sorting lists; an import records 100,000).
        return [
            name
            for name, value in (after or {}).items()
            if name not in _IGNORED_IN_DIFF and value is not None and value != ""
        ]
    after = after or {}
    names = [name for name in after if name not in before] + list(before)
    return [
        name
        for name in dict.fromkeys(names)
        if name not in _IGNORED_IN_DIFF
        and _comparable(before.get(name)) != _comparable(after.get(name))
    ]


def diff_rows(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, only_changed: bool = True
) -> list[dict[str, Any]]:
    """[{name, title, before, after, changed}] for a diff table, in the record's order."""
    before, after = before or {}, after or {}
    changed = set(changed_fields(before, after))
    names = list(dict.fromkeys([*after, *before]))
    rows = []
    for name in names:
        if name in _IGNORED_IN_DIFF or name in DERIVED_COLUMNS:
            continue
        if only_changed and name not in changed:
            continue
        rows.append(
            {
                "name": name,
                "title": field_title(name),
                "before": display(before.get(name)),
                "after": display(after.get(name)),
                "changed": name in changed,
            }
        )
    return rows


def display(value: Any) -> str:
    """A record value as plain text for people (escaped by the templates)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "\n".join(display(item) for item in value)
    if isinstance(value, dict):
        parts = [str(item) for item in value.values() if item not in (None, "", True, False)]
        return " · ".join(parts) or "—"
    return str(value)


def _date(value: Any) -> dt.date | None:
    return parse_date(value) if isinstance(value, str) and value else None


def snapshot_values(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Service values that put a structure back as a snapshot describes it."""
    values: dict[str, Any] = {}
    for column in COLUMNS:
        if column.derived or column.name == "id" or column.name not in snapshot:
            continue
        value = snapshot[column.name]
        if column.multiple:
            value = tuple(value or ())
        elif column.name == "last_verified_at":
            value = parse_datetime(value) if value else None
        elif value is None and column.type == "string":
            value = ""
        values[column.name] = value
    values["partners"] = tuple(
        PartnerData(p["name"], p.get("kind") or "", p.get("structure_id") or "")
        for p in snapshot.get("partners", [])
    )
    values["value_examples"] = tuple(
        ValueExampleData(e["title"], e.get("description") or "")
        for e in snapshot.get("value_examples", [])
    )
    values["contacts"] = tuple(
        ContactData(c["name"], c.get("role") or "", c.get("email") or "", c.get("phone") or "")
        for c in snapshot.get("contacts", [])
    )
    values["resilience_initiatives"] = tuple(
        ResilienceData(
            r["title"],
            r.get("description") or "",
            r.get("category") or "",
            _date(r.get("started_on")),
            _date(r.get("ended_on")),
        )
        for r in snapshot.get("resilience_initiatives", [])
    )
    return values
