"""The selection the insights are computed on: published structures under the atlas filters.

Loaded once into plain rows (a fixed number of queries whatever the number of structures),
then every analysis is a pure function of the selection and the referential arrays.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from maillage.structures.filters import StructureFilters
from maillage.structures.models import Structure, Term

MULTI_VALUED = ("themes", "formats", "audiences", "partner_kinds", "secondary_types")


@dataclass(frozen=True)
class Item:
    """A published structure, reduced to what the analyses read."""

    id: int
    uid: str
    slug: str
    name: str
    type: str  # main type slug
    commune: str  # INSEE code, '' when unknown
    commune_name: str
    department: str
    region: str
    epci: str
    epci_kind: str
    size_class: str
    latitude: float | None  # the structure's own point, else its commune's centre
    longitude: float | None
    themes: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset()
    audiences: frozenset[str] = frozenset()
    partner_kinds: frozenset[str] = frozenset()
    secondary_types: frozenset[str] = frozenset()


@dataclass
class Vocabulary:
    """Terms of each vocabulary in their editorial order."""

    terms: dict[str, list[Term]] = field(default_factory=dict)

    def of(self, kind: str) -> list[Term]:
        return self.terms.get(kind, [])

    def label(self, kind: str, slug: str) -> str:
        return next((t.label for t in self.of(kind) if t.slug == slug), slug)

    def get(self, kind: str, slug: str) -> Term | None:
        return next((t for t in self.of(kind) if t.slug == slug), None)


def vocabulary_load() -> Vocabulary:
    vocabulary = Vocabulary()
    for term in Term.objects.order_by("kind", "position", "label_fr"):
        vocabulary.terms.setdefault(term.kind, []).append(term)
    return vocabulary


@dataclass
class Selection:
    filters: StructureFilters
    items: list[Item]
    vocabulary: Vocabulary
    queryset: QuerySet | None = None  # the filtered structures, for subqueries
    # (item id, title, category slug, start date) of the resilience initiatives, when the
    # selection was not read from the database (an edition's frozen file).
    initiatives: list[tuple] | None = None

    def ids(self):
        """A subquery of the selection's primary keys (no giant IN list)."""
        return self.queryset.values("pk") if self.queryset is not None else []

    def __len__(self) -> int:
        return len(self.items)

    @property
    def is_empty(self) -> bool:
        return not self.items


def selection_load(
    *, filters: StructureFilters, vocabulary: Vocabulary | None = None, queryset=None
) -> Selection:
    """The published structures matching `filters`, with their vocabulary slugs."""
    base = Structure.objects.published() if queryset is None else queryset
    structures = filters.apply(base, rank=False).order_by()
    rows = structures.values_list(
        "id",
        "uid",
        "slug",
        "name",
        "main_type__slug",
        "commune_id",
        "commune__name",
        "commune__department_id",
        "commune__department__region_id",
        "commune__epci_id",
        "commune__epci__kind",
        "commune__size_class",
        "latitude",
        "longitude",
        "commune__latitude",
        "commune__longitude",
    )
    rows = list(rows)
    ids = structures.values("pk")
    vocabulary = vocabulary or vocabulary_load()
    slugs = {term.pk: term.slug for terms in vocabulary.terms.values() for term in terms}
    # Per relation, each structure's slugs as one frozenset, the same object for the same
    # set (at national scale: 100,000 structures, a few hundred distinct sets).
    related: dict[str, dict[int, frozenset[str]]] = {}
    for name in MULTI_VALUED:
        through = getattr(Structure, name).through
        mapping: dict[int, set[str]] = defaultdict(set)
        if rows:
            for structure_id, term_id in through.objects.filter(structure__in=ids).values_list(
                "structure_id", "term_id"
            ):
                if term_id not in slugs:  # a term added since the vocabulary was read
                    slugs.update(Term.objects.values_list("pk", "slug"))
                mapping[structure_id].add(slugs[term_id])
        shared: dict[frozenset[str], frozenset[str]] = {}
        related[name] = {
            pk: shared.setdefault(frozen, frozen)
            for pk, frozen in ((pk, frozenset(values)) for pk, values in mapping.items())
        }
    empty: frozenset[str] = frozenset()
    themes, formats, audiences, partner_kinds, secondary_types = (
        related[name] for name in MULTI_VALUED
    )
    items = []
    for row in rows:
        (pk, uid, slug, name, type_slug, commune, commune_name, dep, reg, epci, kind, size,
         lat, lon, commune_lat, commune_lon) = row  # fmt: skip
        if lat is None or lon is None:
            lat, lon = commune_lat, commune_lon
        items.append(
            Item(
                id=pk,
                uid=uid,
                slug=slug,
                name=name,
                type=type_slug,
                commune=commune or "",
                commune_name=commune_name or "",
                department=dep or "",
                region=reg or "",
                epci=epci or "",
                epci_kind=kind or "",
                size_class=size or "",
                latitude=lat,
                longitude=lon,
                themes=themes.get(pk, empty),
                formats=formats.get(pk, empty),
                audiences=audiences.get(pk, empty),
                partner_kinds=partner_kinds.get(pk, empty),
                secondary_types=secondary_types.get(pk, empty),
            )
        )
    items.sort(key=lambda item: (item.name.lower(), item.id))
    return Selection(filters=filters, items=items, vocabulary=vocabulary, queryset=structures)
