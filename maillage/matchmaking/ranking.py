"""Scores candidate structures against a need: pure Python, no database, no request.

A `Need` says what someone looks for (vocabulary term ids, stemmed words, a point); a
`Candidate` is what is known of one structure (its term ids, its stemmed search document,
where it is). `rank` scores every candidate and returns the best first, each with its score
components and a one-line explanation ("why") in the active language.

Weights (see docs/matchmaking.md for the reasoning): what a structure works on matters
most, then where it is, then how it works and with whom.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WEIGHTS = {
    "themes": 0.40,
    "formats": 0.15,
    "audiences": 0.10,
    "partner_kinds": 0.05,
    "text": 0.10,
    "distance": 0.20,
}
# Distance at which the distance component is worth half: a structure of the same
# department (tens of km) stays close to one next door; one across France counts little.
DISTANCE_HALF_KM = 30.0
EARTH_RADIUS_KM = 6371.0088


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points in degrees."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_closeness(distance_km: float) -> float:
    """1 at 0 km, 0.5 at DISTANCE_HALF_KM, tending to 0 far away."""
    return 1.0 / (1.0 + max(distance_km, 0.0) / DISTANCE_HALF_KM)


@dataclass(frozen=True)
class Need:
    """What is looked for. Term ids by vocabulary; labels name them in the why line."""

    themes: frozenset[int] = frozenset()
    formats: frozenset[int] = frozenset()
    audiences: frozenset[int] = frozenset()
    partner_kinds: frozenset[int] = frozenset()
    text_terms: tuple[str, ...] = ()
    origin: tuple[float, float] | None = None
    labels: dict[int, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_empty(self) -> bool:
        return not (self.themes or self.formats or self.text_terms)


@dataclass(frozen=True)
class Candidate:
    """One structure as the ranking sees it. `key` is opaque to the ranking (a pk)."""

    key: object
    name: str
    themes: frozenset[int] = frozenset()
    formats: frozenset[int] = frozenset()
    audiences: frozenset[int] = frozenset()
    partner_kinds: frozenset[int] = frozenset()
    document_terms: frozenset[str] = frozenset()
    point: tuple[float, float] | None = None


@dataclass(frozen=True)
class Match:
    """A scored candidate: total score in [0, 1], its weighted components, and why."""

    key: object
    score: float
    components: dict[str, float]
    shared_themes: tuple[int, ...]
    shared_formats: tuple[int, ...]
    shared_audiences: tuple[int, ...]
    shared_partner_kinds: tuple[int, ...]
    text_matches: int
    distance_km: float | None
    why: str


def _fraction(shared: int, wanted: int) -> float:
    return shared / wanted if wanted else 0.0


def _text_matches(text_terms: Iterable[str], document_terms: frozenset[str]) -> int:
    """How many of the need's stemmed words start a word of the document (as search does)."""
    count = 0
    for term in text_terms:
        if term in document_terms or any(word.startswith(term) for word in document_terms):
            count += 1
    return count


def score(need: Need, candidate: Candidate) -> Match:
    """The match of one candidate: each component is a fraction of what was asked, weighted."""
    shared = {
        "themes": tuple(sorted(need.themes & candidate.themes)),
        "formats": tuple(sorted(need.formats & candidate.formats)),
        "audiences": tuple(sorted(need.audiences & candidate.audiences)),
        "partner_kinds": tuple(sorted(need.partner_kinds & candidate.partner_kinds)),
    }
    wanted = {
        "themes": len(need.themes),
        "formats": len(need.formats),
        "audiences": len(need.audiences),
        "partner_kinds": len(need.partner_kinds),
    }
    text_matches = _text_matches(need.text_terms, candidate.document_terms)
    distance = (
        haversine_km(need.origin, candidate.point)
        if need.origin is not None and candidate.point is not None
        else None
    )
    components = {
        name: WEIGHTS[name] * _fraction(len(shared[name]), wanted[name]) for name in shared
    }
    components["text"] = WEIGHTS["text"] * _fraction(text_matches, len(need.text_terms))
    components["distance"] = (
        WEIGHTS["distance"] * distance_closeness(distance) if distance is not None else 0.0
    )
    return Match(
        key=candidate.key,
        score=sum(components.values()),
        components=components,
        shared_themes=shared["themes"],
        shared_formats=shared["formats"],
        shared_audiences=shared["audiences"],
        shared_partner_kinds=shared["partner_kinds"],
        text_matches=text_matches,
        distance_km=distance,
        why=why_line(
            need=need,
            themes=shared["themes"],
            formats=shared["formats"],
            audiences=shared["audiences"],
            partner_kinds=shared["partner_kinds"],
            text_matches=text_matches,
            distance_km=distance,
        ),
    )


def rank(need: Need, candidates: Iterable[Candidate], *, limit: int | None = None) -> list[Match]:
    """Candidates that share something with the need, best first.

    Ties go to the nearer structure, then to the name, so the order is stable. A candidate
    sharing no theme, format, audience, partner kind nor word is left out (distance alone
    is not a reason to suggest a partner), and so is one sharing no term and a single word
    of several.
    """
    names = {}
    matches = []
    for candidate in candidates:
        match = score(need, candidate)
        if match.score - match.components["distance"] <= 0:
            continue
        if not _shares_a_term(match) and match.text_matches < min(2, len(need.text_terms)):
            # One common word alone ("ouest", "pôle") says little about two structures.
            continue
        names[candidate.key] = candidate.name
        matches.append(match)
    matches.sort(
        key=lambda m: (
            -round(m.score, 9),
            m.distance_km if m.distance_km is not None else math.inf,
            names[m.key].casefold(),
        )
    )
    return matches[:limit] if limit is not None else matches


def _shares_a_term(match: Match) -> bool:
    return bool(
        match.shared_themes
        or match.shared_formats
        or match.shared_audiences
        or match.shared_partner_kinds
    )


def _enumeration(labels: list[str]) -> str:
    """'A', 'A et B', 'A, B et C' in the active language."""
    if len(labels) <= 1:
        return "".join(labels)
    return _("%(items)s et %(last)s") % {"items": ", ".join(labels[:-1]), "last": labels[-1]}


def format_distance(distance_km: float) -> str:
    if distance_km < 1:
        return _("à moins d'1 km")
    return _("à %(km)s km") % {"km": f"{round(distance_km):,}".replace(",", "\u202f")}


def why_line(
    *,
    need: Need,
    themes: tuple[int, ...] = (),
    formats: tuple[int, ...] = (),
    audiences: tuple[int, ...] = (),
    partner_kinds: tuple[int, ...] = (),
    text_matches: int = 0,
    distance_km: float | None = None,
) -> str:
    """One line naming what is shared and how far: « Partage les thèmes Mobilité et Santé ·
    à 12 km »."""

    def names(ids):
        return _enumeration([need.labels.get(i, "?") for i in ids])

    parts = []
    if themes:
        parts.append(
            ngettext("Partage le thème %(names)s", "Partage les thèmes %(names)s", len(themes))
            % {"names": names(themes)}
        )
    if formats:
        parts.append(
            ngettext("Format %(names)s", "Formats %(names)s", len(formats))
            % {"names": names(formats)}
        )
    if audiences:
        parts.append(_("Accompagne : %(names)s") % {"names": names(audiences)})
    if partner_kinds:
        parts.append(_("Travaille avec : %(names)s") % {"names": names(partner_kinds)})
    if text_matches and not (themes or formats):
        parts.append(_("Sa description correspond"))
    if distance_km is not None:
        parts.append(format_distance(distance_km))
    return " · ".join(parts)
