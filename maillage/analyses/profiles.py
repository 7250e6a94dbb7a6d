"""A territory's profile: its structures and ratios, comparable territories and what it lacks.

Territories are regions, departments, EPCI and communes, named by their official codes
(INSEE for regions, departments and communes, SIREN for EPCI).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.analyses.geography import Communes, Names, communes_load, haversine_km, names_load
from maillage.analyses.numbers import per_100k
from maillage.analyses.selection import Item, Selection, selection_load
from maillage.referential.models import Commune, Department, Epci, Region
from maillage.structures.filters import StructureFilters
from maillage.structures.models import Term

KINDS = {
    "region": gettext_lazy("Région"),
    "departement": gettext_lazy("Département"),
    "epci": gettext_lazy("Intercommunalité"),
    "commune": gettext_lazy("Commune"),
}
EPCI_KINDS_PLURAL = {
    "ME": gettext_lazy("métropoles"),
    "CU": gettext_lazy("communautés urbaines"),
    "CA": gettext_lazy("communautés d'agglomération"),
    "CC": gettext_lazy("communautés de communes"),
}
OVERSEAS_REGIONS = ("01", "02", "03", "04", "06")
# Population bands (upper bounds) used to find comparable territories.
BANDS = {
    "epci": (15_000, 30_000, 50_000, 100_000, 250_000, 500_000),
    "departement": (250_000, 500_000, 1_000_000),
}
COMPARABLE_LIST = 8
# Attribute of Item holding the territory code, and the commune column holding it.
ITEM_ATTRIBUTE = {
    "region": "region",
    "departement": "department",
    "epci": "epci",
    "commune": "commune",
}


class TerritoryNotFound(Exception):
    pass


@dataclass
class Territory:
    kind: str
    code: str
    name: str
    region: tuple[str, str] | None = None  # (code, name)
    department: tuple[str, str] | None = None
    epci: tuple[str, str, str] | None = None  # (code, name, kind)
    epci_kind_label: str = ""
    size_class_label: str = ""

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


def territory_get(*, kind: str, code: str) -> Territory:
    """The territory of that kind and official code; TerritoryNotFound otherwise."""
    try:
        if kind == "region":
            region = Region.objects.get(code=code)
            return Territory(kind, region.code, region.name)
        if kind == "departement":
            department = Department.objects.select_related("region").get(code=code.upper())
            return Territory(
                kind,
                department.code,
                department.name,
                region=(department.region.code, department.region.name),
            )
        if kind == "epci":
            epci = Epci.objects.get(code=code)
            return Territory(kind, epci.code, epci.name, epci_kind_label=epci.get_kind_display())
        if kind == "commune":
            commune = Commune.objects.select_related("department__region", "epci").get(
                code=code.upper()
            )
            return Territory(
                kind,
                commune.code,
                commune.name,
                region=(commune.department.region.code, commune.department.region.name),
                department=(commune.department.code, commune.department.name),
                epci=(commune.epci.code, commune.epci.name, commune.epci.kind)
                if commune.epci
                else None,
                epci_kind_label=commune.epci.get_kind_display() if commune.epci else "",
                size_class_label=commune.get_size_class_display(),
            )
    except (Region.DoesNotExist, Department.DoesNotExist, Epci.DoesNotExist, Commune.DoesNotExist):
        pass
    raise TerritoryNotFound(f"{kind} {code}")


@dataclass
class Gap:
    """A type or theme absent locally but present in comparable territories."""

    kind: str
    slug: str
    label: str
    color: str
    territories_with: int  # comparable territories having it
    share: float | None


@dataclass
class Nearest:
    type_slug: str
    type_label: str
    color: str
    item: Item | None
    distance_km: float | None


@dataclass
class Comparable:
    kind: str
    code: str
    name: str
    population: int
    structures: int


@dataclass
class Profile:
    territory: Territory
    items: list[Item]
    population: int
    communes: int
    rate: float | None
    national_rate: float | None
    regional_rate: float | None
    comparison_label: str
    comparables_count: int = 0
    comparables_rate: float | None = None
    comparables: list[Comparable] = field(default_factory=list)
    type_counts: list[tuple[Term, int]] = field(default_factory=list)
    theme_counts: list[tuple[Term, int]] = field(default_factory=list)
    missing_types: list[Gap] = field(default_factory=list)
    missing_themes: list[Gap] = field(default_factory=list)
    nearest: list[Nearest] = field(default_factory=list)
    children: list[Comparable] = field(default_factory=list)  # departments, EPCI or communes

    @property
    def count(self) -> int:
        return len(self.items)


def _column(communes: Communes, kind: str) -> np.ndarray:
    return {
        "region": communes.region,
        "departement": communes.department,
        "epci": communes.epci,
        "commune": communes.code,
    }[kind]


def _population_by(keys: np.ndarray, population: np.ndarray) -> dict[str, int]:
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=population)
    return {key: int(total) for key, total in zip(unique, sums, strict=True) if key}


def _band(value: int, bounds: tuple[int, ...]) -> int:
    return next((i for i, bound in enumerate(bounds) if value < bound), len(bounds))


def _comparable_codes(
    territory: Territory, communes: Communes, populations: dict[str, int]
) -> tuple[list[str], str]:
    """Codes of the territories comparable to this one, and how they were chosen."""
    kind, code = territory.kind, territory.code
    if kind == "region":
        overseas = code in OVERSEAS_REGIONS
        codes = [c for c in populations if c != code and (c in OVERSEAS_REGIONS) == overseas]
        label = (
            _("les autres régions d'outre-mer")
            if overseas
            else _("les autres régions métropolitaines")
        )
        return codes, label
    if kind in BANDS:
        bounds = BANDS[kind]
        band = _band(populations.get(code, 0), bounds)
        candidates = [c for c in populations if c != code and _band(populations[c], bounds) == band]
        if kind == "epci":
            kinds = dict(zip(communes.epci, communes.epci_kind, strict=True))
            candidates = [c for c in candidates if kinds.get(c) == kinds.get(code)]
            low = bounds[band - 1] if band else 0
            high = bounds[band] if band < len(bounds) else None
            label = _("les %(kind)s de même taille (%(range)s habitants)") % {
                "kind": str(EPCI_KINDS_PLURAL.get(kinds.get(code), "")),
                "range": f"{low:,} – {high:,}".replace(",", "\u202f")
                if high
                else f"≥ {low:,}".replace(",", "\u202f"),
            }
        else:
            label = _("les départements de même taille")
        return candidates, label
    # A commune: same size class and same kind of EPCI.
    i = communes.index[code]
    same = (communes.size_class == communes.size_class[i]) & (
        communes.epci_kind == communes.epci_kind[i]
    )
    same[i] = False
    label = _("les communes de même taille (%(size)s) dans une intercommunalité de même nature") % {
        "size": territory.size_class_label
    }
    return list(communes.code[same]), label


def _gaps(
    kind: str,
    terms: list[Term],
    local: set[str],
    by_territory: dict[str, set[str]],
    comparables: list[str],
) -> list[Gap]:
    having = Counter(slug for code in comparables for slug in by_territory.get(code, ()))
    gaps = []
    for term in terms:
        if term.slug in local or not having.get(term.slug):
            continue
        gaps.append(
            Gap(
                kind,
                term.slug,
                term.label,
                term.color,
                having[term.slug],
                100.0 * having[term.slug] / len(comparables) if comparables else None,
            )
        )
    return sorted(gaps, key=lambda g: -g.territories_with)


def profile_build(
    territory: Territory,
    *,
    selection: Selection | None = None,
    communes: Communes | None = None,
    names: Names | None = None,
) -> Profile:
    """Everything the territory page shows, from the published structures (fixed queries)."""
    selection = selection or selection_load(filters=StructureFilters())
    communes = communes if communes is not None else communes_load()
    names = names or names_load()
    kind, code = territory.kind, territory.code
    attribute = ITEM_ATTRIBUTE[kind]
    column = _column(communes, kind)
    populations = _population_by(column, communes.population)
    mine = column == code
    items = [item for item in selection.items if getattr(item, attribute) == code]
    population = populations.get(code, 0)
    located = [item for item in selection.items if item.commune]
    national_population = int(communes.population.sum())
    regional_rate = None
    if territory.region:
        region_code = territory.region[0]
        regional_rate = per_100k(
            sum(1 for item in located if item.region == region_code),
            int(communes.population[communes.region == region_code].sum()),
        )
    elif kind == "epci" and mine.any():
        # An EPCI may straddle regions: compare with the region of most of its inhabitants.
        regions = _population_by(communes.region[mine], communes.population[mine])
        region_code = max(regions, key=regions.get) if regions else ""
        if region_code:
            territory.region = (region_code, names.regions.get(region_code, region_code))
            regional_rate = per_100k(
                sum(1 for item in located if item.region == region_code),
                int(communes.population[communes.region == region_code].sum()),
            )
    comparable_codes, comparison_label = _comparable_codes(territory, communes, populations)
    types_by: dict[str, set[str]] = {}
    themes_by: dict[str, set[str]] = {}
    counts_by: Counter[str] = Counter()
    for item in located:
        key = getattr(item, attribute)
        types_by.setdefault(key, set()).add(item.type)
        themes_by.setdefault(key, set()).update(item.themes)
        counts_by[key] += 1
    vocabulary = selection.vocabulary
    type_terms = vocabulary.of(Term.Kind.TYPE)
    theme_terms = vocabulary.of(Term.Kind.THEME)
    local_types = Counter(item.type for item in items)
    local_themes = Counter(slug for item in items for slug in item.themes)
    comparable_structures = sum(counts_by.get(c, 0) for c in comparable_codes)
    comparable_population = sum(populations.get(c, 0) for c in comparable_codes)
    profile = Profile(
        territory=territory,
        items=items,
        population=population,
        communes=int(mine.sum()),
        rate=per_100k(len(items), population),
        national_rate=per_100k(len(located), national_population),
        regional_rate=regional_rate,
        comparison_label=comparison_label,
        comparables_count=len(comparable_codes),
        comparables_rate=per_100k(comparable_structures, comparable_population),
        type_counts=[(t, local_types[t.slug]) for t in type_terms if local_types[t.slug]],
        theme_counts=[(t, local_themes[t.slug]) for t in theme_terms if local_themes[t.slug]],
        missing_types=_gaps("type", type_terms, set(local_types), types_by, comparable_codes),
        missing_themes=_gaps("theme", theme_terms, set(local_themes), themes_by, comparable_codes),
    )
    label_of = _labeller(kind, communes, names)
    ranked = sorted(comparable_codes, key=lambda c: (-counts_by.get(c, 0), -populations.get(c, 0)))
    profile.comparables = [
        Comparable(kind, c, label_of(c), populations.get(c, 0), counts_by.get(c, 0))
        for c in ranked[:COMPARABLE_LIST]
    ]
    profile.nearest = _nearest_missing(profile, selection, communes, mine)
    profile.children = _children(kind, code, communes, names, selection, mine)
    return profile


def _labeller(kind: str, communes: Communes, names: Names):
    if kind == "region":
        return lambda c: names.regions.get(c, c)
    if kind == "departement":
        return lambda c: f"{names.departments.get(c, c)} ({c})"
    if kind == "epci":
        epcis = dict(Epci.objects.values_list("code", "name"))
        return lambda c: epcis.get(c, c)
    index = communes.index
    return lambda c: f"{communes.name[index[c]]} ({communes.department[index[c]]})"


def _nearest_missing(
    profile: Profile, selection: Selection, communes: Communes, mine: np.ndarray
) -> list[Nearest]:
    """For each type with no structure in the territory, the nearest one elsewhere."""
    located = mine & ~np.isnan(communes.latitude)
    weights = communes.population[located].astype(float)
    if not located.any():
        return []
    if weights.sum() <= 0:
        weights = np.ones(located.sum())
    # The population-weighted centre of the territory (a commune: its own centre).
    lat = float(np.average(communes.latitude[located], weights=weights))
    lon = float(np.average(communes.longitude[located], weights=weights))
    present = {item.type for item in profile.items}
    result = []
    for term in selection.vocabulary.of(Term.Kind.TYPE):
        if term.slug in present:
            continue
        candidates = [
            item for item in selection.items if item.type == term.slug and item.latitude is not None
        ]
        if not candidates:
            result.append(Nearest(term.slug, term.label, term.color, None, None))
            continue
        distances = haversine_km(
            lat,
            lon,
            np.array([c.latitude for c in candidates]),
            np.array([c.longitude for c in candidates]),
        )
        best = int(np.argmin(distances))
        result.append(
            Nearest(term.slug, term.label, term.color, candidates[best], float(distances[best]))
        )
    return result


def _children(kind, code, communes: Communes, names: Names, selection, mine) -> list[Comparable]:
    """The territories one level down: departments of a region, communes of an EPCI..."""
    if kind == "commune":
        return []
    child_kind, column = {
        "region": ("departement", communes.department),
        "departement": ("epci", communes.epci),
        "epci": ("commune", communes.code),
    }[kind]
    populations = _population_by(column[mine], communes.population[mine])
    attribute = ITEM_ATTRIBUTE[child_kind]
    counts = Counter(getattr(item, attribute) for item in selection.items)
    label_of = _labeller(child_kind, communes, names)
    codes = sorted(populations, key=lambda c: (-counts.get(c, 0), -populations[c]))
    return [Comparable(child_kind, c, label_of(c), populations[c], counts.get(c, 0)) for c in codes]
