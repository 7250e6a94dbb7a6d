"""Stage 7: report probable duplicates, within the file and against the database.

Two structures are probably the same when they share a SIRET, or a website (host and path),
or have the same name (see name_key) less than DISTANCE_METRES apart. Every test is a hash
lookup, so the stage stays linear in the size of the file and of the database. Duplicates
are reported for a person to decide; they are never merged and never block the import.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from maillage.imports.records import Record
from maillage.structures.models import Structure
from maillage.structures.text_search import fold

DISTANCE_METRES = 300


@dataclass(frozen=True)
class Duplicate:
    line: int
    name: str
    other: str  # "ligne 12 « X »" or "fiche mlg-… « X »"
    reason: str


@dataclass(frozen=True)
class _Entry:
    label: str
    uid: str
    name: str
    siret: str
    website: str
    latitude: float | None
    longitude: float | None


def website_key(url: str) -> str:
    if not url:
        return ""
    parts = urlsplit(url.lower())
    host = (parts.hostname or "").removeprefix("www.")
    return host + parts.path.rstrip("/")


def _distance_metres(a: _Entry, b: _Entry) -> float:
    assert a.latitude is not None and b.latitude is not None
    mean_latitude = math.radians((a.latitude + b.latitude) / 2)
    dx = math.radians(b.longitude - a.longitude) * math.cos(mean_latitude)
    dy = math.radians(b.latitude - a.latitude)
    return 6_371_000 * math.hypot(dx, dy)


_LEADING_WORDS = frozenset({"l", "le", "la", "les", "the"})


def name_key(name: str) -> str:
    """Names that differ only by case, accents, spaces, punctuation or a leading article
    ("L'Hôtel Pasteur", "Hotel pasteur", "Le Cent Sept", "Le Centsept") share this key."""
    words = fold(name).split()
    while len(words) > 1 and words[0] in _LEADING_WORDS:
        words = words[1:]
    return "".join(words)


class _Index:
    def __init__(self) -> None:
        self.first_by_siret: dict[str, _Entry] = {}
        self.first_by_website: dict[str, _Entry] = {}
        self.by_name: dict[str, list[_Entry]] = defaultdict(list)

    def add(self, entry: _Entry) -> None:
        if entry.siret:
            self.first_by_siret.setdefault(entry.siret, entry)
        if entry.website:
            self.first_by_website.setdefault(entry.website, entry)
        if entry.latitude is not None and entry.longitude is not None and entry.name:
            self.by_name[entry.name].append(entry)

    def find(self, entry: _Entry) -> list[tuple[_Entry, str]]:
        """Entries entry probably duplicates; for a shared SIRET or website, only the first
        one seen, so that a network of sites sharing one website gives one line per site."""
        found: dict[str, tuple[_Entry, str]] = {}
        other = self.first_by_siret.get(entry.siret) if entry.siret else None
        if other is not None:
            found[other.label] = (other, _("même SIRET"))
        other = self.first_by_website.get(entry.website) if entry.website else None
        if other is not None:
            found.setdefault(other.label, (other, _("même site web")))
        if entry.latitude is not None and entry.longitude is not None:
            for other in self.by_name.get(entry.name, []):
                if other.label not in found and _distance_metres(entry, other) <= DISTANCE_METRES:
                    found[other.label] = (other, _("même nom à moins de %s m") % DISTANCE_METRES)
        return [(other, reason) for other, reason in found.values() if other.uid != entry.uid]


def duplicate_keys(record: Record) -> tuple[str, str]:
    """(name_key, website_key) of a record: what find_duplicates compares beside its SIRET
    and place, which a large import computes beside its validation."""
    values = record.values
    return name_key(values["name"]), website_key(values.get("website", ""))


def _entry_for(record: Record, uid: str, row_label: str) -> _Entry:
    values = record.values
    name, website = record.duplicate_keys or duplicate_keys(record)
    return _Entry(
        label=f"{row_label} {record.line} « {values['name']} »",
        uid=uid,
        name=name,
        siret=values.get("siret", ""),
        website=website,
        latitude=values.get("latitude"),
        longitude=values.get("longitude"),
    )


def find_duplicates(
    records: list[Record], uids: dict[int, str], *, row_label: str
) -> list[Duplicate]:
    """Probable duplicates of each record among earlier records and the database's structures.

    uids maps each record's line to the uid it has or will have, so that a record is never
    reported as a duplicate of the structure it updates.
    """
    database = _Index()
    rows = Structure.objects.values_list("uid", "name", "siret", "website", "latitude", "longitude")
    in_this_file = set(uids.values())  # compared as rows of the file instead
    for uid, name, siret, website, latitude, longitude in rows.iterator(chunk_size=5000):
        if uid in in_this_file:
            continue
        database.add(
            _Entry(
                f"fiche {uid} « {name} »",
                uid,
                name_key(name),
                siret,
                website_key(website),
                latitude,
                longitude,
            )
        )
    in_file = _Index()
    duplicates = []
    for record in records:
        entry = _entry_for(record, uids[record.line], row_label)
        for other, reason in in_file.find(entry) + database.find(entry):
            duplicates.append(Duplicate(record.line, record.values["name"], other.label, reason))
        in_file.add(entry)
    return duplicates
