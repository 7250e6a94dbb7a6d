"""Dated editions: a frozen copy of the published data, and what changed between two.

An edition keeps the JSON export of its moment (maillage.exports.writers.write_json) whole,
gzip-compressed in the database; its CSV and GeoJSON are generated from that JSON, never
from the live tables, so an edition's files stay what they were on the day it was published.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.contributions.models import Edition
from maillage.contributions.records import field_title
from maillage.exports.columns import COLUMNS, MULTI_VALUE_SEPARATOR
from maillage.exports.formulas import neutralise
from maillage.structures.models import Structure

FORMATS = ("json", "csv", "geojson")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
}
# Fields that move with every write and say nothing about the structure itself.
_NOT_COMPARED = {"updated_at"}


def store(edition: Edition, raw: bytes) -> None:
    """Put the edition's JSON file (raw) in the row, compressed, with its size and hash."""
    edition.data_gz = gzip.compress(raw, compresslevel=6, mtime=0)
    edition.size = len(raw)
    edition.sha256 = hashlib.sha256(raw).hexdigest()


def document_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def edition_publish(*, title: str, note: str = "", user=None, wait: bool = True) -> Edition:
    """Freeze the published data as a dated edition. Raises ValidationError.

    The edition takes its number now; its file is written by the machine's edition writer
    (maillage.contributions.edition_writer), before this returns when wait is on, else in
    the background: the edition is listed once its file is written."""
    from maillage.contributions import edition_writer

    title = title.strip()
    if not title:
        raise ValidationError(_("Donnez un titre à l'édition."))
    now = timezone.now()
    with transaction.atomic():
        base = f"{timezone.localdate(now):%Y-%m-%d}-{slugify(title)[:60]}".strip("-")
        slug, number = base, 2
        while Edition.objects.filter(slug=slug).exists():
            slug, number = f"{base}-{number}", number + 1
        # The lock makes two editors publishing at once take two numbers, not one.
        last = Edition.objects.select_for_update().order_by("-number").first()
        edition = Edition(
            number=(last.number or 0) + 1 if last else 1,
            slug=slug,
            title=title,
            note=note.strip(),
            published_at=now,
            published_by=user if user is not None and user.is_authenticated else None,
            state=Edition.State.WRITING,
        )
        store(edition, b"")
        edition.save()
    if wait:
        edition_writer.editions_write()
        edition.refresh_from_db()
    else:
        transaction.on_commit(edition_writer.editions_start)
    return edition


class EditionUnavailable(Exception):
    """The edition's files are withheld while they are written or rewritten (a removal of
    personal data): never serve what a removal took out."""

    def __init__(self, edition: Edition) -> None:
        super().__init__(edition.slug)
        self.edition = edition


def edition_unavailable_message(edition: Edition) -> str:
    return _(
        "Les fichiers de l'édition n° %(number)s « %(title)s » sont en cours de réécriture "
        "pour en retirer des données personnelles, à la demande des personnes concernées. "
        "Réessayez dans quelques minutes."
    ) % {"number": edition.number, "title": edition.title}


def _ready(edition: Edition) -> Edition:
    if edition.state != Edition.State.READY:
        raise EditionUnavailable(edition)
    return edition


def edition_document(edition: Edition) -> dict[str, Any]:
    """The edition's JSON export, parsed. Raises EditionUnavailable."""
    return edition_document_stored(_ready(edition))


def edition_document_stored(edition: Edition) -> dict[str, Any]:
    """The JSON stored, parsed, whatever the edition's state: for its writers only."""
    return json.loads(gzip.decompress(bytes(edition.data_gz)))


def edition_get(key: str | int) -> Edition | None:
    """The edition numbered key (digits) or with slug key, without its data; or None."""
    queryset = Edition.objects.listed().defer("data_gz")
    key = str(key).strip()
    # Nothing a database would refuse (NUL, numbers past its integers, odd digits).
    if not key or "\x00" in key or len(key) > 80:
        return None
    if key.isascii() and key.isdigit():
        return queryset.filter(number=int(key)).first() if len(key) <= 9 else None
    return queryset.filter(slug=key).first()


def edition_unknown_message(key: str) -> str:
    """What to say about an edition that does not exist, with the ones that do."""
    numbers = list(Edition.objects.listed().order_by("number").values_list("number", flat=True))
    if not numbers:
        return _("Aucune édition « %(key)s » : aucune édition n'a encore été publiée.") % {
            "key": key
        }
    return _(
        "Aucune édition « %(key)s » : les éditions publiées sont numérotées de %(first)s à "
        "%(last)s (liste sur /editions/)."
    ) % {"key": key, "first": numbers[0], "last": numbers[-1]}


@functools.lru_cache(maxsize=4)
def _document_cached(pk: int, sha256: str) -> dict[str, Any]:
    # Keyed by the file's hash: a rewritten edition (personal data removed) is read again.
    return edition_document_stored(Edition.objects.only("data_gz").get(pk=pk))


def edition_document_cached(edition: Edition) -> dict[str, Any]:
    """The parsed document, kept for the last few editions read by this process. Treat it
    as read-only. Raises EditionUnavailable."""
    return _document_cached(_ready(edition).pk, edition.sha256)


def edition_structure(edition: Edition, key: str) -> dict[str, Any] | None:
    """The structure with id (uid) key as the edition froze it, or None. A current slug is
    accepted too (it names the structure's uid)."""
    items = edition_document_cached(edition).get("structures", [])
    if "\x00" in key or len(key) > 200:
        return None
    uids = {key}
    uid = Structure.objects.filter(slug=key).values_list("uid", flat=True).first()
    if uid:
        uids.add(uid)
    return next((item for item in items if item.get("id") in uids), None)


def edition_json(edition: Edition) -> bytes:
    """The edition's JSON file. Raises EditionUnavailable."""
    return gzip.decompress(bytes(_ready(edition).data_gz))


def edition_rewrite(*, edition: Edition, document: dict[str, Any]) -> None:
    """Replace the stored JSON of an edition (after removing personal data from it)."""
    store(edition, document_bytes(document))
    edition.rewritten_at = timezone.now()
    edition.save(update_fields=["data_gz", "size", "sha256", "rewritten_at"])


def _flat(item: dict[str, Any]) -> list[Any]:
    row = []
    for column in COLUMNS:
        value = item.get(column.name)
        if isinstance(value, list):
            value = MULTI_VALUE_SEPARATOR.join(str(v) for v in value)
        if value is None:
            value = ""
        row.append(neutralise(value) if isinstance(value, str) else value)
    return row


def edition_file(edition: Edition, format_name: str) -> bytes:
    """The edition's data in format_name (json, csv, geojson), from its frozen JSON."""
    if format_name == "json":
        return edition_json(edition)
    document = edition_document(edition)
    items = document.get("structures", [])
    if format_name == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([column.name for column in COLUMNS])
        for item in items:
            writer.writerow(_flat(item))
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if format_name == "geojson":
        head = {k: v for k, v in document.items() if k not in {"structures", "format", "version"}}
        features = [
            {
                "type": "Feature",
                "id": item.get("id"),
                "geometry": (
                    {"type": "Point", "coordinates": [item["longitude"], item["latitude"]]}
                    if item.get("latitude") is not None and item.get("longitude") is not None
                    else None
                ),
                "properties": item,
            }
            for item in items
        ]
        collection = {
            "type": "FeatureCollection",
            **head,
            "edition": edition.slug,
            "features": features,
        }
        return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raise ValueError(f"unknown edition format {format_name!r}")


@dataclass
class FieldChange:
    name: str
    title: str
    before: Any
    after: Any


@dataclass
class ChangedStructure:
    id: str
    name: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class EditionDiff:
    older: Edition
    newer: Edition
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ChangedStructure] = field(default_factory=list)

    @property
    def unchanged_count(self) -> int:
        return self.newer.structure_count - len(self.added) - len(self.changed)


def _by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in document.get("structures", [])}


def _normalised(value: Any) -> Any:
    if isinstance(value, list):
        return sorted((_normalised(v) for v in value), key=repr)
    if value == "":
        return None
    return value


def edition_diff(*, older: Edition, newer: Edition) -> EditionDiff:
    """Structures added, removed, and changed field by field from older to newer."""
    if older.published_at > newer.published_at:
        older, newer = newer, older
    before, after = _by_id(edition_document(older)), _by_id(edition_document(newer))
    diff = EditionDiff(older=older, newer=newer)
    diff.added = sorted((after[i] for i in after.keys() - before.keys()), key=lambda s: s["name"])
    diff.removed = sorted(
        (before[i] for i in before.keys() - after.keys()), key=lambda s: s["name"]
    )
    for uid in sorted(after.keys() & before.keys(), key=lambda i: after[i]["name"]):
        old, new = before[uid], after[uid]
        fields = [
            FieldChange(name, field_title(name), old.get(name), new.get(name))
            for name in dict.fromkeys([*new, *old])
            if name not in _NOT_COMPARED
            and _normalised(old.get(name)) != _normalised(new.get(name))
        ]
        if fields:
            diff.changed.append(ChangedStructure(id=uid, name=new["name"], fields=fields))
    return diff
