"""Reads for partner matchmaking: build a need, fetch candidates, rank them.

The database narrows 100,000 structures to a few hundred candidates (those sharing a
requested theme or format, or whose text holds a requested word), in two capped pools: the
best fits by shared terms, and the nearest ones. Python then scores that short list with
maillage.matchmaking.ranking. A ranking costs two queries whatever the data: the candidates
(with their type and commune), and their memberships in the requested terms.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from maillage.matchmaking.ranking import Candidate, Match, Need, rank
from maillage.referential.models import Commune
from maillage.structures import text_search
from maillage.structures.models import ResilienceInitiative, Structure, Term, ValueExample

# Candidates kept by each pool before scoring: enough that the best answers are in them,
# few enough that scoring stays a few milliseconds.
POOL_SIZE = 300
# « À proximité » on a structure page: within this distance of the structure.
NEAR_KM = 50.0
# Stemmed words too common in this corpus to say two structures are alike.
GENERIC_STEMS = frozenset(
    "innov ouvert structur projet accompagn entrepris territoir territorial developp "
    "acteur servic activ lieu espac numer local reseau pol competit cluster grand ouest "
    "nord sud est centr franc region national".split()
)

_RELATIONS = {
    "themes": Structure.themes.through,
    "formats": Structure.formats.through,
    "audiences": Structure.audiences.through,
    "partner_kinds": Structure.partner_kinds.through,
}


@dataclass(frozen=True)
class RankedStructure:
    """A structure of the atlas with its match (score components and why line)."""

    structure: Structure
    match: Match

    @property
    def contact_url(self) -> str:
        # The structure page's contact section applies the consent rules (published
        # contacts who agreed, the relay form otherwise).
        return f"{self.structure.get_absolute_url()}#contact"


def commune_point(commune: Commune | None) -> tuple[float, float] | None:
    if commune is None or commune.latitude is None or commune.longitude is None:
        return None
    return (commune.latitude, commune.longitude)


def structure_point(structure: Structure) -> tuple[float, float] | None:
    """The structure's own coordinates, else its commune's centre."""
    if structure.latitude is not None and structure.longitude is not None:
        return (structure.latitude, structure.longitude)
    return commune_point(structure.commune) if structure.commune_id else None


def need_build(
    *,
    themes: Iterable[Term] = (),
    formats: Iterable[Term] = (),
    audiences: Iterable[Term] = (),
    partner_kinds: Iterable[Term] = (),
    text: str = "",
    origin: tuple[float, float] | None = None,
) -> Need:
    """A need from vocabulary terms, free French text and a point (latitude, longitude)."""
    groups = [list(themes), list(formats), list(audiences), list(partner_kinds)]
    labels = {term.pk: term.label for group in groups for term in group}
    ids = [frozenset(term.pk for term in group) for group in groups]
    return Need(
        themes=ids[0],
        formats=ids[1],
        audiences=ids[2],
        partner_kinds=ids[3],
        text_terms=tuple(text_search.query_terms(text)) if text else (),
        origin=origin,
        labels=labels,
    )


def need_for_structure(structure: Structure) -> Need:
    """What a structure is about, to find structures like it (uses its prefetched terms)."""
    text = structure.short_description or structure.description[:600]
    need = need_build(
        themes=structure.themes.all(),
        formats=structure.formats.all(),
        audiences=structure.audiences.all(),
        partner_kinds=structure.partner_kinds.all(),
        origin=structure_point(structure),
    )
    words = [w for w in text_search.query_terms(text) if len(w) > 3 and w not in GENERIC_STEMS]
    return Need(**{**need.__dict__, "text_terms": tuple(words[:8])})


def _sharing_condition(need: Need, *, text_candidates: bool = True) -> Q | None:
    """Structures worth scoring: those sharing a requested theme (or, when no theme is
    asked, a requested format), or holding a requested word.

    A structure sharing only a format with a need that asks for themes is left to the
    others: it could not cover what matters most (themes weigh 0.40), and formats are
    common (two of them match half the atlas), which would make the pools slow to sort.
    text_candidates=False keeps the words for scoring only, unless nothing else is asked.
    """
    conditions = []
    relation = "themes" if need.themes else "formats" if need.formats else None
    if relation:
        through = _RELATIONS[relation].objects.filter(term_id__in=getattr(need, relation))
        conditions.append(Q(pk__in=through.values("structure_id")))
    if need.text_terms and (text_candidates or not conditions):
        conditions.append(Q(text_search.any_word_condition(list(need.text_terms))))
    if not conditions:
        return None
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return condition


def _shared_count(name: str, ids: frozenset[int]):
    through = _RELATIONS[name].objects.filter(structure_id=OuterRef("pk"), term_id__in=ids)
    counted = through.order_by().values("structure_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def candidates_fetch(
    need: Need,
    *,
    queryset: QuerySet | None = None,
    pool_size: int = POOL_SIZE,
    text_candidates: bool = True,
) -> list[Structure]:
    """The structures worth scoring, in one query: the best pool_size by shared themes then
    formats, and the nearest pool_size among those sharing anything."""
    base = queryset if queryset is not None else Structure.objects.published()
    condition = _sharing_condition(need, text_candidates=text_candidates)
    if condition is None:
        return []
    sharing = base.filter(condition)
    fit = Value(0)
    if need.themes:
        fit = fit + _shared_count("themes", need.themes) * 4
    if need.formats:
        fit = fit + _shared_count("formats", need.formats)
    pools = Q(pk__in=sharing.annotate(fit=fit).order_by("-fit", "pk").values("pk")[:pool_size])
    if need.origin is not None:
        latitude, longitude = need.origin
        # Squared equirectangular distance: enough to order by, cheap on both databases.
        scale = max(0.01, math.cos(math.radians(latitude)))
        lat = Coalesce(F("latitude"), F("commune__latitude"), output_field=FloatField())
        lon = Coalesce(F("longitude"), F("commune__longitude"), output_field=FloatField())
        # Products, not Power(): SQLite computes POWER in a Python callback, row by row.
        nearness = (lat - latitude) * (lat - latitude) + (lon - longitude) * (lon - longitude) * (
            scale * scale
        )
        nearest = (
            sharing.annotate(nearness=nearness)
            .filter(nearness__isnull=False)
            .order_by("nearness", "pk")
            .values("pk")[:pool_size]
        )
        pools |= Q(pk__in=nearest)
    return list(
        Structure.objects.filter(pools)
        .select_related("main_type", "commune__department")
        .order_by("pk")
    )


def _memberships(need: Need, keys: list[int]) -> dict[str, dict[int, set[int]]]:
    """{relation: {structure pk: requested term ids it holds}} in one query."""
    found: dict[str, dict[int, set[int]]] = {name: defaultdict(set) for name in _RELATIONS}
    parts = []
    for name, through in _RELATIONS.items():
        ids = getattr(need, name)
        if ids and keys:
            parts.append(
                through.objects.filter(structure_id__in=keys, term_id__in=ids)
                .annotate(relation=Value(name))
                .values_list("structure_id", "term_id", "relation")
                .order_by()
            )
    if not parts:
        return found
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for structure_id, term_id, relation in rows:
        found[relation][structure_id].add(term_id)
    return found


def structures_rank(
    need: Need,
    *,
    queryset: QuerySet | None = None,
    limit: int | None = None,
    pool_size: int = POOL_SIZE,
    text_candidates: bool = True,
) -> list[RankedStructure]:
    """Published structures (or those of queryset) ranked against need, best first."""
    structures = candidates_fetch(
        need, queryset=queryset, pool_size=pool_size, text_candidates=text_candidates
    )
    if not structures:
        return []
    memberships = _memberships(need, [s.pk for s in structures])
    by_pk = {s.pk: s for s in structures}
    candidates = [
        Candidate(
            key=s.pk,
            name=s.name,
            themes=frozenset(memberships["themes"].get(s.pk, ())),
            formats=frozenset(memberships["formats"].get(s.pk, ())),
            audiences=frozenset(memberships["audiences"].get(s.pk, ())),
            partner_kinds=frozenset(memberships["partner_kinds"].get(s.pk, ())),
            document_terms=frozenset(s.search_document.split()) if need.text_terms else frozenset(),
            point=structure_point(s),
        )
        for s in structures
    ]
    return [RankedStructure(by_pk[m.key], m) for m in rank(need, candidates, limit=limit)]


@dataclass(frozen=True)
class Similar:
    near: list[RankedStructure]
    far: list[RankedStructure]


def similar_structures(structure: Structure, *, per_group: int = 3) -> Similar:
    """Structures like this one, « À proximité » (within NEAR_KM) and « Ailleurs en France »."""
    need = need_for_structure(structure)
    if need.is_empty:
        return Similar(near=[], far=[])
    queryset = Structure.objects.published().exclude(pk=structure.pk)
    # The structure's own words rank its candidates but do not widen them: they are many
    # and common ("atelier", "fablab"), unless the structure has no theme nor format.
    ranked = structures_rank(need, queryset=queryset, text_candidates=False)
    near = [r for r in ranked if r.match.distance_km is not None and r.match.distance_km <= NEAR_KM]
    far = [r for r in ranked if r.match.distance_km is None or r.match.distance_km > NEAR_KM]
    return Similar(near=near[:per_group], far=far[:per_group])


def comparable_territories_queryset(commune: Commune) -> QuerySet | None:
    """Published structures of communes like this one (same EPCI kind, same population
    band), outside its own EPCI; None when the commune has no EPCI to compare by."""
    if commune.epci_id is None:
        return None
    return (
        Structure.objects.published()
        .filter(commune__epci__kind=commune.epci.kind, commune__size_class=commune.size_class)
        .exclude(commune__epci_id=commune.epci_id)
    )


@dataclass(frozen=True)
class Inspiration:
    initiatives: list[ResilienceInitiative]
    examples: list[ValueExample]


def inspiration_for(need: Need, *, limit: int = 6) -> Inspiration:
    """Resilience initiatives and examples of value created by structures working on the
    requested themes (two queries)."""
    if not need.themes:
        return Inspiration(initiatives=[], examples=[])
    on_themes = Structure.themes.through.objects.filter(term_id__in=need.themes)
    structures = Q(structure__status=Structure.Status.PUBLISHED) & Q(
        structure_id__in=on_themes.values("structure_id")
    )
    initiatives = (
        ResilienceInitiative.objects.filter(structures)
        .select_related("structure__main_type", "category")
        .order_by(F("started_on").desc(nulls_last=True), "title", "pk")[:limit]
    )
    examples = (
        ValueExample.objects.filter(structures)
        .select_related("structure__main_type")
        .order_by("-pk")[:limit]
    )
    return Inspiration(initiatives=list(initiatives), examples=list(examples))


def similar_context(structure: Structure) -> dict:
    """Template context of the « Structures similaires » block of a structure page: the
    groups, and the query string of a partner search on the same themes and formats."""
    params = [("theme", t.slug) for t in structure.themes.all()]
    params += [("format", t.slug) for t in structure.formats.all()]
    if structure.commune_id:
        params.append(("commune", structure.commune_id))
    return {"similar": similar_structures(structure), "similar_query": urlencode(params)}
