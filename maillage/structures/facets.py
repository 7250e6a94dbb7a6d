"""Facet counts: how many structures each filter value would give, given the other filters.

Filters combined with OR are counted without their own selection (choosing one more value
widens the result); filters combined with AND are counted within the current selection (one
more value narrows it). Every count equals the number of results the user gets by clicking.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from maillage.referential.models import Commune, Department, Epci
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

    only: the parameters to count (all of FACET_PARAMETERS when empty). Each facet is one
    grouped query over the filtered structures (two for types: main and secondary); the
    location facets counted over the same structures share one query, grouped by commune
    first and joined to the referential after, so the join reads one row per commune
    rather than one per structure.
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
    # Location facets whose base filters are the same are counted together.
    groups: dict[StructureFilters, list[str]] = {}
    for parameter in LOCATION_FACETS:
        if parameter in wanted:
            groups.setdefault(filters.without(parameter), []).append(parameter)
    for narrowed, parameters in groups.items():
        structures = narrowed.apply(queryset, rank=False).order_by()
        result.update(_location_counts(structures, parameters))
    if "resilience" in wanted:
        resilient = Exists(ResilienceInitiative.objects.filter(structure=OuterRef("pk")))
        structures = _base(filters, "resilience", queryset, own_mode="or")
        counts = structures.aggregate(total=Count("pk"), yes=Count("pk", filter=Q(resilient)))
        result["resilience"] = {"yes": counts["yes"], "no": counts["total"] - counts["yes"]}
    if "verified" in wanted:
        structures = _base(filters, "verified", queryset, own_mode="or")
        counts = structures.aggregate(
            total=Count("pk"), yes=Count("pk", filter=Q(last_verified_at__isnull=False))
        )
        result["verified"] = {"yes": counts["yes"], "no": counts["total"] - counts["yes"]}
    return result


# Each location facet's value, from the joined row (commune, department, EPCI).
_LOCATION_COLUMNS = {
    "region": "department.region_id",
    "department": "commune.department_id",
    "territory": "epci.kind",
    "size": "commune.size_class",
}


def _location_counts(structures: QuerySet, parameters: list[str]) -> dict[str, dict[str, int]]:
    """{parameter: {value: count}} for location facets over the same structures, in one query:
    structures grouped by commune, then each commune's row joined to its department and EPCI."""
    # Structures without a commune form a group that the join below leaves out.
    grouped = structures.values("commune_id").annotate(n=Count("pk"))
    inner, params = grouped.query.sql_with_params()
    columns = ", ".join(_LOCATION_COLUMNS[parameter] for parameter in parameters)
    # Table and column names come from the models and the constant above; values are params.
    sql = (
        f"SELECT {columns}, per_commune.n FROM ({inner}) per_commune "  # noqa: S608
        f"JOIN {Commune._meta.db_table} commune ON commune.code = per_commune.commune_id "
        f"JOIN {Department._meta.db_table} department ON department.code = commune.department_id "
        f"LEFT JOIN {Epci._meta.db_table} epci ON epci.code = commune.epci_id"
    )
    counts: dict[str, Counter] = {parameter: Counter() for parameter in parameters}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            n = row[-1]
            for parameter, value in zip(parameters, row, strict=False):
                if value is not None:
                    counts[parameter][value] += n
    return {parameter: dict(counter) for parameter, counter in counts.items()}
