"""Stage 8: sort records into created, updated and unchanged, and write them in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field

from maillage.contributions.models import StructureRevision
from maillage.contributions.records import snapshots, snapshots_of_created
from maillage.contributions.services import revisions_record_bulk
from maillage.imports.identity import Match, target_uid
from maillage.imports.records import Record
from maillage.imports.report import Outcome
from maillage.structures.models import Structure
from maillage.structures.services import (
    NewStructure,
    SlugAllocator,
    StructureChange,
    structure_changes,
    structures_write,
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
                    name=record.name, commune_name=record.commune_name, preferred=record.slug
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
    written = structures_write(
        creates=[new for _record, new in plan_.creates],
        updates=[change for _record, change in plan_.updates],
    )
    # The new structures' records are built from what was just written, not read back.
    created = written[: len(plan_.creates)]
    afters = snapshots_of_created(
        [(s, new.values) for s, (_record, new) in zip(created, plan_.creates, strict=True)]
    )
    revisions_record_bulk(
        befores=before,
        structures=written,
        afters=afters,
        origin=StructureRevision.Origin.IMPORT,
        note=file_name,
    )
