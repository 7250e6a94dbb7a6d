"""Stage 8: sort records into created, updated and unchanged, and write them in bulk."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from maillage.contributions.models import StructureRevision
from maillage.contributions.records import CreatedRecords, snapshots, snapshots_of_created
from maillage.contributions.services import created_revision_json, revisions_record_bulk
from maillage.imports.beside import Beside, BesideUnavailable
from maillage.imports.identity import Match, target_uid
from maillage.imports.records import Record
from maillage.imports.report import Outcome
from maillage.structures.bulk import ids_reserve, instances_new
from maillage.structures.models import Structure
from maillage.structures.services import (
    CreationChunk,
    NewStructure,
    SlugAllocator,
    StructureChange,
    creation_prepared,
    creation_rows,
    search_columns,
    structure_changes,
    structures_write,
    write_keys,
)


@dataclass
class Plan:
    creates: list[tuple[Record, NewStructure]] = field(default_factory=list)
    updates: list[tuple[Record, StructureChange]] = field(default_factory=list)
    unchanged: list[tuple[Record, Match]] = field(default_factory=list)

    def outcomes(self) -> tuple[list[Outcome], list[Outcome], list[Outcome]]:
        return (
            [Outcome(r.line, new.uid, r.name) for r, new in self.creates],
            [
                Outcome(r.line, change.structure.uid, r.name, tuple(sorted(change.changes)))
                for r, change in self.updates
            ],
            [Outcome(r.line, match.uid, r.name) for r, match in self.unchanged],
        )


def plan(records: list[Record], matches: dict[int, Match]) -> Plan:
    """Decide what each record does to the database, without writing."""
    result = Plan()
    slugs: SlugAllocator | None = None
    changed = []
    for record in records:
        match = matches.get(record.line)
        if match is None:
            slugs = slugs or SlugAllocator.from_database()
            values = {**record.creation_defaults, **record.values}
            new = NewStructure(
                uid=target_uid(record),
                slug=slugs.allocate(
                    name=record.name,
                    commune_name=record.commune_name,
                    preferred=record.slug,
                    bases=record.slug_bases,
                ),
                values=values,
            )
            result.creates.append((record, new))
            continue
        changes = structure_changes(current=match.current, values=record.values)
        if changes:
            changed.append((record, match, changes))
        else:
            result.unchanged.append((record, match))
    instances = _instances([match.pk for _record, match, _changes in changed])
    result.updates = [
        (record, StructureChange(structure=instances[match.pk], changes=changes))
        for record, match, changes in changed
    ]
    return result


def _instances(pks: list[int]) -> dict[int, Structure]:
    found: dict[int, Structure] = {}
    for start in range(0, len(pks), 900):
        found.update(Structure.objects.in_bulk(pks[start : start + 900]))
    return found


def apply(plan_: Plan, *, file_name: str = "") -> None:
    """Write the plan in one transaction, and record each change in the structures' history
    (maillage.contributions), with the file it came from."""
    before = snapshots([change.structure.pk for _record, change in plan_.updates])
    creates = [new for _record, new in plan_.creates]
    updates = [change for _record, change in plan_.updates]
    written = records = None
    if len(creates) >= BESIDE_FROM:
        # A process beside that cannot start fails before anything is written: then here.
        with contextlib.suppress(BesideUnavailable):
            written, records = _write_beside(creates, updates)
    if written is None:
        written = structures_write(creates=creates, updates=updates)
        # The new structures' records are built from what was just written, not read back.
        created = written[: len(creates)]
        records = {
            "afters": snapshots_of_created(
                [(s, new.values) for s, new in zip(created, creates, strict=True)]
            )
        }
    revisions_record_bulk(
        befores=before,
        structures=written,
        origin=StructureRevision.Origin.IMPORT,
        note=file_name,
        **records,
    )


# An import creating this many structures prepares their rows and the records of their
# revisions beside itself, on the other core (maillage.imports.beside).
BESIDE_FROM = 2_000
_BESIDE_CHUNK = 2_000
_HERE_SHARE = 0.2


def _write_beside(
    creates: list[NewStructure], updates: list[StructureChange]
) -> tuple[list[Structure], dict[str, Any]]:
    """apply()'s write with the pure-Python work of the creations done in a process beside:
    the same rows, while this process writes; returns the structures written and the
    keyword giving revisions_record_bulk the creations' records, encoded.

    The new structures' keys are reserved first (ids_reserve), so that the child computes
    their search columns, database rows and, on SQLite, links (as the database's text),
    chunk by chunk, which this process inserts as they come, after the first creations'
    prepared here (on PostgreSQL, after all the links, which this process writes first);
    then the child computes the record of each creation and its JSON text, while this
    process indexes the structures for search. Everything the child needs is read here
    first (it must not query): the write's natural keys, its time, its keys, and what the
    records name (terms, sources, communes).
    """
    keys = write_keys(creates, updates, complete=True)
    now = timezone.now()
    records = CreatedRecords(new.values.get("commune_code") for new in creates)
    ids = ids_reserve(Structure, len(creates))
    # The first creations' rows and links are prepared here while the child prepares the
    # others: this process would otherwise wait for the child.
    here = int(len(creates) * _HERE_SHARE)

    def prepare() -> Iterator[list]:
        # The records of the creations prepared here need their instances, not their
        # search columns (a record holds none): made without them.
        unsearched = creation_rows(creates[:here], keys, now, itertools.repeat(("", ""), here))
        structures: list[Structure] = instances_new(
            Structure,
            [{"id": pk, **row} for pk, row in zip(ids[:here], unsearched, strict=True)],
        )
        for start in range(here, len(creates), _BESIDE_CHUNK):
            chunk = creates[start : start + _BESIDE_CHUNK]
            made, prepared = creation_prepared(
                chunk, keys, now, search_columns(chunk, keys), ids[start : start + _BESIDE_CHUNK]
            )
            structures += made
            yield prepared
        for start in range(0, len(creates), _BESIDE_CHUNK):
            yield [
                None
                if records.read_back(new.values)
                else created_revision_json(records.record(structure, new.values))
                for structure, new in zip(
                    structures[start : start + _BESIDE_CHUNK],
                    creates[start : start + _BESIDE_CHUNK],
                    strict=True,
                )
            ]

    def prepared_here() -> Iterator[CreationChunk]:
        chunk = creates[:here]
        yield creation_prepared(chunk, keys, now, search_columns(chunk, keys), ids[:here])[1]

    chunks = -(-(len(creates) - here) // _BESIDE_CHUNK)
    with Beside(prepare) as beside:
        results = beside.items()
        written = structures_write(
            creates=creates,
            updates=updates,
            keys=keys,
            now=now,
            ids=ids,
            chunks=itertools.chain(prepared_here(), itertools.islice(results, chunks)),
        )
        encoded_created = list(itertools.chain.from_iterable(results))
    # Created structures whose record must be read back (see CreatedRecords.read_back)
    # are read by revisions_record_bulk.
    encoded = {
        structure.pk: pair
        for structure, pair in zip(written[: len(creates)], encoded_created, strict=True)
        if pair is not None
    }
    return written, {"encoded": encoded}
