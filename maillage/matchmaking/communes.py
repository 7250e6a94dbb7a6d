"""Finds the commune someone typed: for the partner search form and its autocomplete.

What a visitor types ("Nantes", "nantes 44000", "44000", "Saint-Denis (93)") is resolved
with the referential's CommuneResolver, which never guesses: a name shared by several
communes comes back as candidates to choose from. The resolver and the autocomplete's list
hold the 35,000 communes in memory; they are built once per process and rebuilt when the
referential changes (a cheap fingerprint query tells).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Sum

from maillage.referential.models import Commune
from maillage.referential.resolution import CommuneResolver, normalize_name

MAX_SUGGESTIONS = 10
_CODE = re.compile(r"^(\d{5}|2[ABab]\d{3})$")
_NAME_AND_DEPARTMENT = re.compile(r"^(?P<name>.+?)\s*\(\s*(?P<department>\d{2,3}|2[ABab])\s*\)$")
_POSTCODE = re.compile(r"\b(\d{5})\b")


@dataclass(frozen=True)
class CommuneLookup:
    """The commune found, or the candidates to choose from (several, or none: unknown)."""

    text: str
    commune: Commune | None = None
    candidates: list[Commune] = field(default_factory=list)

    @property
    def is_ambiguous(self) -> bool:
        return self.commune is None and len(self.candidates) > 1

    @property
    def is_unknown(self) -> bool:
        return bool(self.text) and self.commune is None and not self.candidates


def commune_label(commune: Commune) -> str:
    """How a commune is written in the form, and read back: « Nantes (44) »."""
    return f"{commune.name} ({commune.department_id})"


class _Index:
    """Communes in memory: the resolver (built on first need) and the autocomplete rows."""

    def __init__(self) -> None:
        self._resolver: CommuneResolver | None = None
        self.rows = [
            (normalize_name(name), code, name, department, postcodes, population)
            for code, name, department, postcodes, population in Commune.objects.values_list(
                "code", "name", "department_id", "postcodes", "population"
            )
        ]
        self.rows.sort(key=lambda row: -row[5])

    @property
    def resolver(self) -> CommuneResolver:
        if self._resolver is None:
            self._resolver = CommuneResolver()
        return self._resolver


_lock = threading.Lock()
_cache: dict[str, object] = {}


def _index() -> _Index:
    fingerprint = tuple(
        Commune.objects.aggregate(
            n=Count("code"), first=Min("code"), last=Max("code"), people=Sum("population")
        ).values()
    )
    with _lock:
        if _cache.get("fingerprint") != fingerprint:
            _cache["index"] = _Index()
            _cache["fingerprint"] = fingerprint
        return _cache["index"]  # type: ignore[return-value]


def _communes(codes: list[str]) -> list[Commune]:
    found = Commune.objects.filter(code__in=codes).select_related("department", "epci")
    return sorted(found, key=lambda c: (-c.population, c.name, c.code))


def commune_lookup(text: str) -> CommuneLookup:
    """The commune meant by text: an INSEE code, « Name (department) », a postcode, a name,
    or a name with its postcode. Unknown and ambiguous texts return candidates instead."""
    text = " ".join(text.split())[:120]
    if not text:
        return CommuneLookup(text="")
    if _CODE.match(text):
        found = _communes([text.upper()])
        if found:
            return CommuneLookup(text=text, commune=found[0])
    labelled = _NAME_AND_DEPARTMENT.match(text)
    if labelled:
        key = normalize_name(labelled["name"])
        department = labelled["department"].upper().zfill(2)
        codes = [
            code
            for code, name in Commune.objects.filter(department_id=department).values_list(
                "code", "name"
            )
            if normalize_name(name) == key
        ]
        if len(codes) == 1:
            return CommuneLookup(text=text, commune=_communes(codes)[0])
        text_for_resolver = labelled["name"]
    else:
        text_for_resolver = text
    postcode_match = _POSTCODE.search(text_for_resolver)
    postcode = postcode_match.group(1) if postcode_match else ""
    name = _POSTCODE.sub(" ", text_for_resolver).strip(" ,-")
    index = _index()
    if postcode and not name:
        codes = [row[1] for row in index.rows if postcode in row[4].split()]
        found = _communes(codes)
        if len(found) == 1:
            return CommuneLookup(text=text, commune=found[0])
        return CommuneLookup(text=text, candidates=found)
    resolution = index.resolver.resolve(name=name, postcode=postcode)
    if resolution is not None:
        found = _communes([resolution.commune_code])
        if found:
            return CommuneLookup(text=text, commune=found[0])
    return CommuneLookup(text=text, candidates=_communes(index.resolver.name_candidates(name)))


@dataclass(frozen=True)
class CommuneSuggestion:
    code: str
    name: str
    department: str
    postcodes: list[str]
    population: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.department})"


def commune_suggestions(query: str, *, limit: int = MAX_SUGGESTIONS) -> list[CommuneSuggestion]:
    """Communes whose name starts with query (accents, case and hyphens ignored), or whose
    postcode or INSEE code starts with it; the most populated first, then names starting a
    later word ("denis" finds Saint-Denis)."""
    query = query.strip()[:100]
    key = normalize_name(query)
    if not key:
        return []
    index = _index()
    if key.replace(" ", "").isdigit() and len(query.strip()) >= 2:
        digits = query.strip()
        rows = [
            row
            for row in index.rows
            if row[1].startswith(digits) or any(p.startswith(digits) for p in row[4].split())
        ]
    else:
        first = [row for row in index.rows if row[0].startswith(key)]
        later = (
            []
            if len(first) >= limit
            else [row for row in index.rows if not row[0].startswith(key) and f" {key}" in row[0]]
        )
        rows = first + later
    return [
        CommuneSuggestion(
            code=row[1],
            name=row[2],
            department=row[3],
            postcodes=row[4].split(),
            population=row[5],
        )
        for row in rows[:limit]
    ]
