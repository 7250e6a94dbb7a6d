"""Read-only queries over structures, shaped for the public pages.

Each selector returns a queryset or plain data and loads its relations up front, so that a
page built on it runs a small number of queries that does not grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet

from maillage.referential.models import Region
from maillage.release import release
from maillage.structures import text_search
from maillage.structures.data_version import data_version
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Source,
    Structure,
    Term,
)

# Statuses a visitor may see: a closed structure keeps its page (marked closed), a pending
# one stays hidden until a moderator publishes it.
PUBLIC_STATUSES = (Structure.Status.PUBLISHED, Structure.Status.CLOSED)

_LIST_RELATIONS = ("main_type", "commune__department__region")


def structure_get(*, key: str) -> Structure:
    """The publicly visible structure whose slug or stable uid is `key`.

    Every relation the structure page shows is loaded: the result's contacts are in
    `public_contacts`, holding only people who consented to publication.
    Raises Structure.DoesNotExist for an unknown key or a structure pending moderation.
    """
    candidates = list(
        Structure.objects.filter(status__in=PUBLIC_STATUSES)
        .filter(Q(slug=key) | Q(uid=key))
        .select_related("main_type", "source", "commune__department__region", "commune__epci")
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=NamedPartner.objects.select_related("kind", "partner_structure"),
            ),
            "value_examples",
            Prefetch(
                "contacts",
                queryset=Contact.objects.filter(publication_consent=True).order_by("name"),
                to_attr="public_contacts",
            ),
            Prefetch(
                "resilience_initiatives",
                queryset=ResilienceInitiative.objects.select_related("category"),
            ),
        )[:2]
    )
    if not candidates:
        raise Structure.DoesNotExist(key)
    # A slug wins over a uid that happens to be spelled the same.
    structure = next((s for s in candidates if s.slug == key), candidates[0])
    _prefetch_terms(structure)
    return structure


# The structure's terms, by relation: five relations, one query instead of one each (each
# query cost about 2 ms of Python to build at national scale, more than its execution).
_TERM_RELATIONS = ("secondary_types", "themes", "formats", "audiences", "partner_kinds")


def _terms_sql() -> str:
    links = []
    for name in _TERM_RELATIONS:
        through = getattr(Structure, name).through._meta
        structure_column = through.get_field("structure").column
        term_column = through.get_field("term").column
        links.append(
            f"SELECT '{name}' AS relation, {term_column} AS term_id "  # noqa: S608 (constants)
            f"FROM {through.db_table} WHERE {structure_column} = %s"
        )
    columns = ", ".join(f"t.{field.column}" for field in Term._meta.concrete_fields)
    order = ", ".join(f"t.{name}" for name in Term._meta.ordering)
    return (
        f"SELECT link.relation, {columns} FROM ({' UNION ALL '.join(links)}) link "  # noqa: S608
        f"JOIN {Term._meta.db_table} t ON t.id = link.term_id ORDER BY {order}"
    )


def _prefetch_terms(structure: Structure) -> None:
    """Fill the five term relations' prefetch caches, as prefetch_related() would
    (`structure.themes.all()` then runs no query), from one query."""
    found: dict[str, list[Term]] = {name: [] for name in _TERM_RELATIONS}
    for term in Term.objects.raw(_terms_sql(), [structure.pk] * len(_TERM_RELATIONS)):
        found[term.relation].append(term)
    cache = structure.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, terms in found.items():
        manager = getattr(structure, name)
        queryset = manager.get_queryset()
        # What django.db.models.query.prefetch_one_level stores for a prefetched relation.
        queryset._result_cache = terms
        queryset._prefetch_done = True
        cache[manager.prefetch_cache_name] = queryset


def structure_is_public(structure: Structure | None) -> bool:
    return structure is not None and structure.status in PUBLIC_STATUSES


def published_count() -> int:
    return Structure.objects.published().count()


@dataclass(frozen=True)
class TypeCount:
    term: Term
    count: int


def type_counts() -> list[TypeCount]:
    """Every structure type, in vocabulary order, with its number of published structures."""
    terms = (
        Term.objects.filter(kind=Term.Kind.TYPE)
        .annotate(
            published=Count(
                "main_structures", filter=Q(main_structures__status=Structure.Status.PUBLISHED)
            )
        )
        # Explicit: Meta.ordering does not apply to aggregating queries.
        .order_by("position", "label_fr")
    )
    return [TypeCount(term=term, count=term.published) for term in terms]


@dataclass(frozen=True)
class RegionCount:
    code: str
    name: str
    count: int


def region_counts() -> list[RegionCount]:
    """Regions holding at least one published structure, the best endowed first."""
    published = Q(departments__communes__structures__status=Structure.Status.PUBLISHED)
    regions = (
        Region.objects.annotate(
            published=Count("departments__communes__structures", filter=published)
        )
        .filter(published__gt=0)
        .order_by("-published", "name")
    )
    return [RegionCount(code=r.code, name=r.name, count=r.published) for r in regions]


def recent_structures(*, limit: int = 6) -> QuerySet[Structure]:
    """The most recently updated published structures."""
    return (
        Structure.objects.published()
        .select_related(*_LIST_RELATIONS)
        .order_by("-updated_at", "-id")[:limit]
    )


def home_figures(*, recent: int = 6) -> dict:
    """What the home page shows of the atlas, kept in the cache until the data changes
    (the data version moves with every committed write)."""

    def compute() -> dict:
        return {
            "published_count": published_count(),
            "type_counts": type_counts(),
            "region_counts": region_counts(),
            "recent_structures": list(recent_structures(limit=recent)),
        }

    if not settings.ANSWER_CACHE:
        return compute()
    return cache.get_or_set(f"home-figures:{release()}:{data_version()}:{recent}", compute, 3600)


def structure_types() -> QuerySet[Term]:
    return Term.objects.filter(kind=Term.Kind.TYPE).order_by("position", "label_fr")


def structure_search(
    *, query: str, type_slug: str | None = None
) -> QuerySet[Structure] | text_search.RankedResults:
    """Published structures matching `query`, best first, optionally of one main type.

    The query is accent-, case- and hyphen-insensitive, matches word prefixes and French word
    forms (see maillage.structures.text_search). With an empty query, a type alone lists that
    type's structures by name; with neither, nothing matches. A query's results are read a
    page at a time by slicing (text_search.RankedResults where that is faster).
    """
    structures = Structure.objects.published().select_related(*_LIST_RELATIONS)
    if type_slug:
        structures = structures.filter(main_type__kind=Term.Kind.TYPE, main_type__slug=type_slug)
    if text_search.query_terms(query):
        ranked = text_search.ranked_search(
            structures.select_related(None), query, published_only=not type_slug
        )
        if ranked is not None:
            return text_search.RankedResults(
                ranked, lambda pks: structures.filter(pk__in=pks).order_by()
            )
        return text_search.search(structures, query)
    if type_slug:
        return structures.order_by("name", "id")
    return structures.none()


def source_list() -> QuerySet[Source]:
    """Every source with its number of published structures, the largest first."""
    return Source.objects.annotate(
        published=Count("structures", filter=Q(structures__status=Structure.Status.PUBLISHED))
    ).order_by("-published", "name")
