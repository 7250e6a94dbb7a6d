"""Facet counts: how many structures each filter value would give, given the other filters.

Filters combined with OR are counted without their own selection (choosing one more value
widens the result); filters combined with AND are counted within the current selection (one
more value narrows it). Every count equals the number of results the user gets by clicking.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from maillage.referential.models import Commune, Epci
from maillage.structures.filters import VOCABULARY_FACETS, StructureFilters
from maillage.structures.models import ResilienceInitiative, Structure, Term
from maillage.structures.theme_facets import TABLE as THEME_FACETS_TABLE

# Location facets: parameter → lookup from Structure.
LOCATION_FACETS = {
    "region": "region_code",
    "department": "department_code",
    "territory": "commune__epci__kind",
    "size": "commune__size_class",
}


def _base(filters: StructureFilters, parameter: str, queryset: QuerySet, *, own_mode: str):
    narrowed = filters if own_mode == "and" else filters.without(parameter)
    return narrowed.apply(queryset, rank=False).order_by()


def query_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a queryset read through a cursor (no model instance per row)."""
    found = sql_or_none(queryset)
    if found is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*found)
        return cursor.fetchall()


def sql_or_none(queryset: QuerySet) -> tuple[str, tuple] | None:
    """(SQL, parameters) of a queryset, or None when it matches nothing by construction
    (a search with no searchable word is `.none()`), for which Django writes no SQL."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


def _vocabulary_counts(
    facet, structures: QuerySet, slugs: dict[int, str], *, others: QuerySet | None = None
) -> dict[str, int]:
    """{term slug: structures} of one vocabulary over the filtered structures: the link
    rows of the filtered ids (read from the facets index), grouped by term.

    others: the structures that are not among them, when they are few (the unpublished
    ones, for an unfiltered count): the counts are then every link row grouped by term (the
    (term, structure) index read in order, no lookup) less those of the others, instead of
    looking each of 200,000 link rows up in the list of 100,000 published structures.
    """
    through = getattr(Structure, facet.relation).through

    def grouped(links) -> Counter:
        rows = links.values_list("term_id").annotate(n=Count("structure_id")).order_by()
        return Counter({slugs[term_id]: n for term_id, n in rows})

    if others is None:
        return dict(grouped(through.objects.filter(structure__in=structures.values("pk"))))
    counts = grouped(through.objects.all())
    counts.subtract(grouped(through.objects.filter(structure__in=others.values("pk"))))
    return {slug: n for slug, n in counts.items() if n > 0}


def _secondary_type_counts(structures: QuerySet, slugs: dict[int, str]) -> Counter:
    """{type slug: structures} of the secondary types that are not the main one.

    The filtered structures drive the join (one probe of the link table's structure index
    each); `link.structure_id IN (filtered structures)` made SQLite materialise the filter's
    ids twice and read every structure's wide row for its main type."""
    found = sql_or_none(structures.values("pk", "main_type_id"))
    if found is None:
        return Counter()
    inner, params = found
    through = Structure.secondary_types.through._meta.db_table
    # Table names come from the models; values are params.
    sql = (
        f"SELECT link.term_id, COUNT(*) FROM ({inner}) filtered "  # noqa: S608
        f"JOIN {through} link ON link.structure_id = filtered.pk "
        "WHERE link.term_id <> filtered.main_type_id GROUP BY link.term_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Counter({slugs[term_id]: n for term_id, n in cursor.fetchall()})


def _is_published(queryset: QuerySet) -> bool:
    """Whether queryset is every published structure (Structure.objects.published()).

    Its conditions compared as expressions: comparing the SQL of both compiled two
    queries, 1 to 2 ms of a request whose counts take 2 (cProfile, BENCHMARKS.md)."""
    query = queryset.query
    return (
        query.model is Structure
        and not query.is_sliced
        and not query.combinator
        and not query.extra
        and len(query.alias_map) <= 1
        and query.where == Structure.objects.published().query.where
    )


def _unpublished(queryset: QuerySet) -> QuerySet | None:
    """The structures outside queryset when it is every published one (they are few),
    None for another queryset."""
    if not _is_published(queryset):
        return None
    return Structure.objects.exclude(status=Structure.Status.PUBLISHED)


# Facets whose value is a column of the structure, all held by the index
# structure_facets_idx: those counted over the same filters are counted by one query
# grouped by their columns, which reads each matching structure once from that index.
_COLUMN_FACETS = {
    "type": "main_type_id",
    "region": "region_code",
    "department": "department_code",
    "verified": "_verified",
}
_VERIFIED = Case(When(last_verified_at__isnull=True, then=Value(0)), default=Value(1))


def _column_counts(
    structures: QuerySet, parameters: list[str], slugs: dict[int, str]
) -> tuple[dict[str, dict[str, int]], int]:
    """({parameter: {value: count}}, number of structures) in one grouped query."""
    # The main type grouped last: first, it let SQLite read the structures in the order
    # of the (status, main type) index and look every other column up in the table
    # (149 instead of 57 ms for the type and region of 100,000 structures).
    parameters = sorted(parameters, key=lambda parameter: parameter == "type")
    columns = [_COLUMN_FACETS[parameter] for parameter in parameters]
    if "verified" in parameters:
        structures = structures.annotate(_verified=_VERIFIED)
    rows = structures.values_list(*columns).annotate(n=Count("pk")).order_by()
    counts: dict[str, Counter] = {parameter: Counter() for parameter in parameters}
    total = 0
    for *values, n in rows:
        total += n
        for parameter, value in zip(parameters, values, strict=True):
            if parameter == "type":
                counts[parameter][slugs[value]] += n
            elif parameter == "verified":
                counts[parameter]["yes" if value else "no"] += n
            elif value:  # a structure without a commune has no region nor department
                counts[parameter][value] += n
    result = {parameter: dict(counter) for parameter, counter in counts.items()}
    if "verified" in result:
        result["verified"] = {"yes": counts["verified"]["yes"], "no": counts["verified"]["no"]}
    return result, total


def _theme_column_counts(
    narrowed: StructureFilters, parameters: list[str], slugs: dict[int, str]
) -> tuple[dict[str, dict[str, int]], int] | None:
    """_column_counts of published structures for types and regions under one theme (and
    regions), read from the theme's rows of structures_themefacet (one range of its index,
    grouped in its order); None when the filters or facets are not those.

    Each row is a type of a structure of the theme, `main` for its main type (one per
    structure, which gives its region and the number of structures); a secondary type
    equal to the main one has no row, so a structure counts once per type, as in
    _column_counts and _secondary_type_counts."""
    if not set(parameters) <= {"type", "region"} or len(narrowed.theme) != 1:
        return None
    if not replace(narrowed, theme=(), region=()).is_empty():
        return None
    theme_id = narrowed.term_ids.get((Term.Kind.THEME, narrowed.theme[0]))
    if theme_id is None:
        return None
    sql = (
        f"SELECT main, type_id, region_code, COUNT(*) FROM {THEME_FACETS_TABLE} "  # noqa: S608
        "WHERE theme_id = %s"
    )
    params: list = [theme_id]
    if narrowed.region:
        sql += f" AND region_code IN ({', '.join(['%s'] * len(narrowed.region))})"
        params += narrowed.region
    sql += " GROUP BY main, type_id, region_code"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    types: Counter = Counter()
    regions: Counter = Counter()
    total = 0
    for main, type_id, region, n in rows:
        types[slugs[type_id]] += n
        if main:
            total += n
            if region:  # a structure without a commune has no region
                regions[region] += n
    counts = {"type": dict(types), "region": dict(regions)}
    return {parameter: counts[parameter] for parameter in parameters}, total


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

    only: the parameters to count (all of FACET_PARAMETERS when empty).
    """
    return facet_counts_and_total(filters=filters, queryset=queryset, only=only)[0]


def facet_counts_and_total(
    *, filters: StructureFilters, queryset: QuerySet, only: tuple[str, ...] = ()
) -> tuple[dict[str, dict[str, int]], int | None]:
    """facet_counts, and the number of structures matching every filter when a query of the
    counts gave it on the way (None otherwise).

    Facets counted over the same structures share their query: the column facets (main
    type, region, department, verification) one query grouped by those columns, the
    commune facets (EPCI kind, size) one query grouped by commune then joined to the
    referential (one join per commune rather than per structure). Each other vocabulary
    is one grouped query over its link table; secondary types one more for types.
    """
    wanted = set(only or FACET_PARAMETERS)
    result: dict[str, dict[str, int]] = {}
    total = None
    # The terms' keys as read by StructureFilters.parse, or read here.
    slugs = {pk: slug for (_kind, slug), pk in filters.term_ids.items()} or dict(
        Term.objects.values_list("pk", "slug").order_by()
    )
    for facet in VOCABULARY_FACETS:
        if facet.parameter not in wanted or facet.parameter == "type":
            continue
        own_mode = filters.mode(facet.parameter)
        narrowed = filters if own_mode == "and" else filters.without(facet.parameter)
        structures = narrowed.apply(queryset, rank=False).order_by()
        others = _unpublished(queryset) if narrowed.is_empty() else None
        result[facet.parameter] = _vocabulary_counts(facet, structures, slugs, others=others)
    # Facets whose base filters are the same are counted together.
    groups: dict[StructureFilters, list[str]] = {}
    for parameter in _COLUMN_FACETS:
        if parameter in wanted:
            own_mode = filters.mode(parameter) if parameter == "type" else "or"
            narrowed = filters if own_mode == "and" else filters.without(parameter)
            groups.setdefault(narrowed, []).append(parameter)
    published = None
    for narrowed, parameters in groups.items():
        if published is None:
            published = _is_published(queryset)
        found = _theme_column_counts(narrowed, parameters, slugs) if published else None
        if found is not None:
            counts, group_total = found
            result.update(counts)
            if narrowed == filters:
                total = group_total
            continue
        structures = narrowed.apply(queryset, rank=False).order_by()
        counts, group_total = _column_counts(structures, parameters, slugs)
        result.update(counts)
        if narrowed == filters:
            total = group_total
        if "type" in parameters:
            # A structure counts once per type, whether main or secondary.
            result["type"] = dict(
                Counter(result["type"]) + _secondary_type_counts(structures, slugs)
            )
    groups = {}
    for parameter in ("territory", "size"):
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
    return {
        parameter: result[parameter] for parameter in FACET_PARAMETERS if parameter in result
    }, total


# Each commune facet's value, from the joined row (commune, EPCI).
_LOCATION_COLUMNS = {
    "territory": "epci.kind",
    "size": "commune.size_class",
}


def _location_counts(structures: QuerySet, parameters: list[str]) -> dict[str, dict[str, int]]:
    """{parameter: {value: count}} for location facets over the same structures, in one query:
    structures grouped by commune, then each commune's row joined to its EPCI, and the
    communes' counts summed by value there (a few rows instead of one per commune)."""
    # Structures without a commune form a group ("") that the join below leaves out.
    # Grouped by an expression, not the bare column: SQLite would otherwise read the
    # structures in the order of the commune index and look each one's status up in the
    # table (209 instead of 53 ms for 100,000 structures) rather than the facets index.
    grouped = (
        structures.annotate(_commune=Coalesce("commune_id", Value("")))
        .values("_commune")
        .annotate(n=Count("pk"))
    )
    found = sql_or_none(grouped)
    if found is None:
        return {parameter: {} for parameter in parameters}
    inner, params = found
    columns = ", ".join(_LOCATION_COLUMNS[parameter] for parameter in parameters)
    # Table and column names come from the models and the constant above; values are params.
    sql = (
        f"SELECT {columns}, SUM(per_commune.n) FROM ({inner}) per_commune "  # noqa: S608
        f"JOIN {Commune._meta.db_table} commune ON commune.code = per_commune._commune "
        f"LEFT JOIN {Epci._meta.db_table} epci ON epci.code = commune.epci_id "
        f"GROUP BY {columns}"
    )
    counts: dict[str, Counter] = {parameter: Counter() for parameter in parameters}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            n = int(row[-1])  # PostgreSQL sums as numeric
            for parameter, value in zip(parameters, row, strict=False):
                if value is not None:
                    counts[parameter][value] += n
    return {parameter: dict(counter) for parameter, counter in counts.items()}
