"""Stage 6: find which structure of the database each record is.

A record is the structure with its explicit identifier (Maillage exports carry it), or with
its source and identifier in that source, or with the stable identifier derived from its
source and natural key (name and commune) for sources without record identifiers. This is
what makes a re-import update instead of duplicating.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from maillage.imports.records import FieldError, Record
from maillage.structures.models import Structure
from maillage.structures.services import structure_uid, structures_current_values
from maillage.structures.text_search import fold

_CHUNK = 900


def natural_key(record: Record) -> str:
    values = record.values
    if values.get("source_record_id"):
        return values["source_record_id"]
    return f"name:{fold(values['name'])}:{values.get('commune_code', '')}"


@dataclass
class Match:
    pk: int
    uid: str
    current: dict


def target_uid(record: Record) -> str:
    """The uid the record has in the file, or the one derived from its source and key."""
    if not record.derived_uid:
        record.derived_uid = structure_uid(source=record.values["source"], key=natural_key(record))
    return record.uid or record.derived_uid


def reject_repeated(
    records: list[Record], row_label: str
) -> tuple[list[Record], dict[int, list[FieldError]]]:
    """Keep the first record of each identity; reject the others."""
    seen: dict[tuple, int] = {}
    kept, rejected = [], {}
    for record in records:
        keys = [("uid", target_uid(record))]
        if record.values.get("source_record_id"):
            keys.append(("record", record.values["source"], record.values["source_record_id"]))
        first = next((seen[key] for key in keys if key in seen), None)
        if first is not None:
            rejected[record.line] = [
                FieldError(
                    line=record.line,
                    column=record.columns.get("source_record_id") or record.columns.get("id") or "",
                    value=record.values.get("source_record_id") or record.uid,
                    message=_(
                        "Même structure que %(label)s %(line)s (même identifiant) : "
                        "la ligne est ignorée."
                    )
                    % {"label": row_label, "line": first},
                )
            ]
            continue
        for key in keys:
            seen[key] = record.line
        kept.append(record)
    return kept, rejected


def match_existing(records: list[Record]) -> dict[int, Match]:
    """Record line → the structure it updates, in a few queries whatever the file's size."""
    uids = {target_uid(r): r.line for r in records}
    by_record = {
        (r.values["source"], r.values["source_record_id"]): r.line
        for r in records
        if r.values.get("source_record_id")
    }
    pk_by_line: dict[int, int] = {}
    uid_list = list(uids)
    for start in range(0, len(uid_list), _CHUNK):
        for pk, uid in Structure.objects.filter(
            uid__in=uid_list[start : start + _CHUNK]
        ).values_list("pk", "uid"):
            pk_by_line[uids[uid]] = pk
    sources = {source for source, _record_id in by_record}
    for source in sources:
        record_ids = [rid for s, rid in by_record if s == source]
        for start in range(0, len(record_ids), _CHUNK):
            rows = Structure.objects.filter(
                Q(source__slug=source), Q(source_record_id__in=record_ids[start : start + _CHUNK])
            ).values_list("pk", "source_record_id")
            for pk, record_id in rows:
                pk_by_line.setdefault(by_record[(source, record_id)], pk)
    line_by_pk: dict[int, list[int]] = {}
    for line, pk in pk_by_line.items():
        line_by_pk.setdefault(pk, []).append(line)
    current_by_pk = structures_current_values(list(line_by_pk))
    uid_by_pk = {}
    pks = list(line_by_pk)
    for start in range(0, len(pks), _CHUNK):
        uid_by_pk.update(
            Structure.objects.filter(pk__in=pks[start : start + _CHUNK]).values_list("pk", "uid")
        )
    return {
        line: Match(pk=pk, uid=uid_by_pk[pk], current=current_by_pk[pk])
        for pk, lines in line_by_pk.items()
        for line in lines
    }
