"""Facet counts: how many structures each filter value would give, given the other filters.

Filters combined with OR are counted without their own selection (choosing one more value
widens the result); filters combined with AND are counted within the current selection (one
more value narrows it). Every count equals the number of results the user gets by clicking.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Exists, F, OuterRef, QuerySet

from maillage.structures.filters import VOCABULARY_FACETS, StructureFilters
from maillage.structures.models import ResilienceInitiative, Structure

# Location facets: parameter → lookup from Structure.
LOCATION_FACETS = {
    "region": "commune__department__region",
    "department": "commune__department",
    "territory": "commune__epci__kind",
    "size": "commune__size_class",
}


def _base(filters: StructureFilters, parameter: str, queryset: QuerySet, *, own_mode: str):
    narrowed = filters if own_mode == "and" else filters.without(parameter)
    return narrowed.apply(queryset, rank=False).order_by()


def _vocabulary_counts(facet, structures: QuerySet) -> dict[str, int]:
    keys = structures.values("pk")
    if facet.parameter != "type":
        through = getattr(Structure, facet.relation).through
        rows = (
            through.objects.filter(structure__in=keys)
            .values_list("term__slug")
            .annotate(n=Count("structure"))
        )
        return dict(rows)
    # A structure counts once per type, whether main or secondary.
    counts = Counter(dict(structures.values_list("main_type__slug").annotate(n=Count("pk"))))
    secondary = (
        Structure.secondary_types.through.objects.filter(structure__in=keys)
        .exclude(term_id=F("structure__main_type_id"))
        .values_list("term__slug")
        .annotate(n=Count("structure"))
    )
    counts.update(dict(secondary))
    return dict(counts)


FACET_PARAMETERS = (
    *(facet.parameter for facet in VOCABULARY_FACETS),
    *LOCATION_FACETS,
    "resilience",
    "verified",
)


def facet_counts(
    *, filters: StructureFilters, queryset: QuerySet, only: tuple[str, ...] = ()
) -> dict[str, dict[str, int]]:
    """For each filter parameter, {value: number of structures} under the other filters.

    only: the parameters to count (all of FACET_PARAMETERS when empty); each costs a
    query or two over the filtered structures, so a client wanting two breakdowns asks
    for two.
    """
    wanted = set(only or FACET_PARAMETERS)
    result: dict[str, dict[str, int]] = {}
    for facet in VOCABULARY_FACETS:
        if facet.parameter not in wanted:
            continue
        structures = _base(
            filters, facet.parameter, queryset, own_mode=filters.mode(facet.parameter)
        )
        result[facet.parameter] = _vocabulary_counts(facet, structures)
    for parameter, lookup in LOCATION_FACETS.items():
        if parameter not in wanted:
            continue
        structures = _base(filters, parameter, queryset, own_mode="or")
        rows = structures.values_list(lookup).annotate(n=Count("pk"))
        result[parameter] = {key: n for key, n in rows if key is not None}
    if "resilience" in wanted:
        resilient = Exists(ResilienceInitiative.objects.filter(structure=OuterRef("pk")))
        structures = _base(filters, "resilience", queryset, own_mode="or")
        with_initiatives = structures.filter(resilient).count()
        total = structures.count()
        result["resilience"] = {"yes": with_initiatives, "no": total - with_initiatives}
    if "verified" in wanted:
        structures = _base(filters, "verified", queryset, own_mode="or")
        verified = structures.filter(last_verified_at__isnull=False).count()
        result["verified"] = {"yes": verified, "no": structures.count() - verified}
    return result
