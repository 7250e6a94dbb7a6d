"""The filters of the atlas, shared by the map, the API, the exports and the insights.

`StructureFilters.parse(params)` reads query parameters (a QueryDict or a plain mapping of
lists) and returns the filters with a list of problems, each naming the parameter and what is
expected, so the map can ignore a bad parameter with a notice and the API can answer 422.
`filters.apply(queryset)` narrows a queryset of structures.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin
from django.utils.translation import gettext_lazy as _

from maillage.referential.models import Commune, Epci
from maillage.structures import text_search
from maillage.structures.models import ResilienceInitiative, Structure, Term

EARTH_RADIUS_KM = 6371.0
MAX_RADIUS_KM = 1000.0
_CODE = re.compile(r"^[0-9AB]{2,9}$")


@dataclass(frozen=True)
class Problem:
    """A parameter that could not be used, and what is expected instead."""

    parameter: str
    value: str
    message: str


@dataclass(frozen=True)
class VocabularyFacet:
    """A multi-valued filter over one vocabulary, combined with OR (default) or AND."""

    parameter: str
    kind: str
    relation: str  # the lookup path from Structure to the Term


VOCABULARY_FACETS = (
    VocabularyFacet("type", Term.Kind.TYPE, "types"),
    VocabularyFacet("theme", Term.Kind.THEME, "themes"),
    VocabularyFacet("format", Term.Kind.FORMAT, "formats"),
    VocabularyFacet("audience", Term.Kind.ACTOR, "audiences"),
    VocabularyFacet("partner", Term.Kind.ACTOR, "partner_kinds"),
)


@dataclass(frozen=True)
class StructureFilters:
    """Every filter of the atlas. Empty tuples and None mean "no filter"."""

    q: str = ""
    type: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    modes: tuple[tuple[str, str], ...] = ()  # (parameter, "and") where AND was chosen
    region: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    epci: tuple[str, ...] = ()
    territory: tuple[str, ...] = ()  # EPCI kinds: ME, CU, CA, CC
    size: tuple[str, ...] = ()  # commune size classes
    resilience: bool | None = None
    verified: bool | None = None
    updated_since: datetime.date | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    near: tuple[float, float] | None = None  # latitude, longitude
    radius_km: float | None = None
    problems: tuple[Problem, ...] = field(default=(), compare=False)
    # (kind, slug) → primary key of the vocabularies' terms, read by parse(): the filters
    # then name their terms by key, which PostgreSQL's statistics of the link tables know
    # (a join to the terms by slug made it expect a third of the rows and pick a nested
    # loop over 13,000 structures instead of a merge join; BENCHMARKS.md).
    term_ids: Mapping = field(default_factory=dict, compare=False, repr=False)

    # -- parsing -------------------------------------------------------------------------

    @classmethod
    def parse(cls, params: Mapping, *, version: str | None = None) -> StructureFilters:
        """Filters from query parameters; unusable values are dropped and listed in problems.

        version: the data version the caller read (maillage.structures.data_version), under
        which the vocabularies' keys are read once for the process instead of on every call.
        """
        parser = _Parser(params, version)
        return parser.parse()

    def is_empty(self) -> bool:
        return all(
            getattr(self, f.name) in ((), None, "")
            for f in fields(self)
            if f.name not in {"problems", "modes", "term_ids"}
        )

    def mode(self, parameter: str) -> str:
        return dict(self.modes).get(parameter, "or")

    def without(self, parameter: str) -> StructureFilters:
        """The same filters less one, for the facet counts of that parameter."""
        default = next(f.default for f in fields(self) if f.name == parameter)
        return replace(self, **{parameter: default})

    # -- applying -----------------------------------------------------------------------

    def apply(self, queryset: QuerySet, *, rank: bool = True) -> QuerySet:
        """Narrow a queryset of structures.

        With rank, a text query also orders the results by relevance (search_rank); counts
        pass rank=False to get a plain filter.
        """
        conditions = Q()
        for facet in VOCABULARY_FACETS:
            values = getattr(self, facet.parameter)
            if values:
                ids = [self.term_ids.get((facet.kind, value)) for value in values]
                conditions &= _vocabulary_condition(
                    facet,
                    values,
                    self.mode(facet.parameter),
                    ids=None if None in ids else ids,
                )
        # The commune's codes copied on the structure (see Structure.region_code).
        if self.region:
            conditions &= Q(region_code__in=self.region)
        if self.department:
            conditions &= Q(department_code__in=self.department)
        if self.epci:
            conditions &= Q(commune__epci__in=self.epci)
        if self.territory:
            conditions &= Q(commune__epci__kind__in=self.territory)
        if self.size:
            conditions &= Q(commune__size_class__in=self.size)
        if self.resilience is not None:
            has_initiative = Exists(ResilienceInitiative.objects.filter(structure=OuterRef("pk")))
            conditions &= has_initiative if self.resilience else ~has_initiative
        if self.verified is not None:
            conditions &= Q(last_verified_at__isnull=not self.verified)
        if self.updated_since:
            conditions &= Q(updated_at__date__gte=self.updated_since)
        if self.bbox:
            west, south, east, north = self.bbox
            conditions &= Q(latitude__gte=south, latitude__lte=north)
            if west <= east:
                conditions &= Q(longitude__gte=west, longitude__lte=east)
            else:  # a box across the antimeridian (Wallis-et-Futuna, Polynesia)
                conditions &= Q(longitude__gte=west) | Q(longitude__lte=east)
        queryset = queryset.filter(conditions)
        if self.near:
            queryset = _within_radius(queryset, *self.near, self.radius_km or 10.0)
        if self.q:
            queryset = (text_search.search if rank else text_search.matching)(queryset, self.q)
        return queryset

    def as_params(self) -> dict[str, list[str]]:
        """The filters back as query parameters (for links and the map's URL)."""
        params: dict[str, list[str]] = {}
        for name in ("q",):
            if getattr(self, name):
                params[name] = [getattr(self, name)]
        for name in (
            *(facet.parameter for facet in VOCABULARY_FACETS),
            "region",
            "department",
            "epci",
            "territory",
            "size",
        ):
            if getattr(self, name):
                params[name] = list(getattr(self, name))
        for parameter, mode in self.modes:
            params[f"{parameter}_mode"] = [mode]
        for name in ("resilience", "verified"):
            value = getattr(self, name)
            if value is not None:
                params[name] = ["yes" if value else "no"]
        if self.updated_since:
            params["updated_since"] = [self.updated_since.isoformat()]
        if self.bbox:
            params["bbox"] = [",".join(f"{v:g}" for v in self.bbox)]
        if self.near:
            params["near"] = [",".join(f"{v:g}" for v in self.near)]
            if self.radius_km is not None:
                params["radius"] = [f"{self.radius_km:g}"]
        return params


def _linked(through, slugs, ids=None) -> Q:
    """Structures linked to one of the terms: `id IN (SELECT structure_id …)`.

    Not a correlated EXISTS: that is evaluated once per structure (100,000 index probes on
    SQLite), where the IN list is read once from the terms' side and drives the lookups.
    The terms by primary key when known (ids), by slug otherwise.
    """
    links = (
        through.objects.filter(term_id__in=ids)
        if ids
        else through.objects.filter(term__slug__in=slugs)
    )
    return Q(pk__in=links.values("structure_id"))


def _vocabulary_condition(
    facet: VocabularyFacet, values: tuple[str, ...], mode: str, *, ids=None
) -> Q:
    by_slug = dict(zip(values, ids, strict=True)) if ids else {}
    if facet.parameter == "type":
        # The main type or any secondary type.
        def one(slugs):
            keys = [by_slug[slug] for slug in slugs] if by_slug else None
            main = Q(main_type_id__in=keys) if keys else Q(main_type__slug__in=slugs)
            return main | _linked(Structure.secondary_types.through, slugs, keys)
    else:
        through = getattr(Structure, facet.relation).through

        def one(slugs):
            keys = [by_slug[slug] for slug in slugs] if by_slug else None
            return _linked(through, slugs, keys)

    if mode == "and":
        condition = Q()
        for value in values:
            condition &= one([value])
        return condition
    return one(list(values))


def _within_radius(queryset: QuerySet, latitude: float, longitude: float, radius_km: float):
    """Structures within radius_km of a point, annotated with distance_km (great circle)."""
    lat_delta = radius_km / 111.2
    lon_delta = radius_km / max(111.2 * math.cos(math.radians(latitude)), 0.01)
    box = Q(
        latitude__gte=latitude - lat_delta,
        latitude__lte=latitude + lat_delta,
        longitude__gte=longitude - lon_delta,
        longitude__lte=longitude + lon_delta,
    )
    phi = math.radians(latitude)
    cosine = Sin(Radians(F("latitude"))) * math.sin(phi) + Cos(Radians(F("latitude"))) * math.cos(
        phi
    ) * Cos(Radians(F("longitude")) - math.radians(longitude))
    distance = ACos(Least(Greatest(cosine, -1.0), 1.0), output_field=FloatField()) * (
        EARTH_RADIUS_KM
    )
    return queryset.filter(box).annotate(distance_km=distance).filter(distance_km__lte=radius_km)


class _Parser:
    def __init__(self, params: Mapping, version: str | None = None):
        self.params = params
        self.version = version
        self.problems: list[Problem] = []

    def values(self, name: str) -> list[str]:
        getlist = getattr(self.params, "getlist", None)
        raw = getlist(name) if getlist else self.params.get(name, [])
        if isinstance(raw, str):
            raw = [raw]
        # Both ?theme=a&theme=b and ?theme=a,b are accepted.
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]

    def single(self, name: str) -> str:
        values = self.values(name) if name not in {"bbox", "near", "q"} else self._raw(name)
        return values[-1] if values else ""

    def _raw(self, name: str) -> list[str]:
        getlist = getattr(self.params, "getlist", None)
        raw = getlist(name) if getlist else self.params.get(name, [])
        if isinstance(raw, str):
            raw = [raw]
        return [str(value).strip() for value in raw if str(value).strip()]

    def problem(self, parameter: str, value: str, message) -> None:
        self.problems.append(Problem(parameter, value, str(message)))

    def parse(self) -> StructureFilters:
        result: dict = {"q": self.single("q")[:200]}
        term_ids = _term_ids(self.version)
        known_terms: dict[str, set[str]] = {}
        for kind, slug in term_ids:
            known_terms.setdefault(kind, set()).add(slug)
        modes = []
        for facet in VOCABULARY_FACETS:
            accepted = known_terms.get(facet.kind, set())
            kept = []
            for value in self.values(facet.parameter):
                if value in accepted:
                    kept.append(value)
                else:
                    self.problem(
                        facet.parameter,
                        value,
                        _("Valeur inconnue. Valeurs possibles : %(values)s.")
                        % {"values": ", ".join(sorted(accepted))},
                    )
            result[facet.parameter] = tuple(dict.fromkeys(kept))
            mode = self.single(f"{facet.parameter}_mode").lower()
            if mode == "and":
                modes.append((facet.parameter, "and"))
            elif mode not in {"", "or"}:
                self.problem(f"{facet.parameter}_mode", mode, _("Attendu : « and » ou « or »."))
        result["modes"] = tuple(modes)
        result["region"] = self.codes("region", 2, 3)
        result["department"] = self.codes("department", 2, 3)
        result["epci"] = self.codes("epci", 9, 9)
        result["territory"] = self.choices("territory", Epci.Kind.values)
        result["size"] = self.choices("size", Commune.SizeClass.values)
        result["resilience"] = self.boolean("resilience")
        result["verified"] = self.boolean("verified")
        result["updated_since"] = self.date("updated_since")
        result["bbox"] = self.bbox()
        result["near"], result["radius_km"] = self.near()
        return StructureFilters(**result, problems=tuple(self.problems), term_ids=term_ids)

    def codes(self, name: str, shortest: int, longest: int) -> tuple[str, ...]:
        kept = []
        for value in self.values(name):
            code = value.upper()
            if _CODE.match(code) and shortest <= len(code) <= longest:
                kept.append(code)
            else:
                self.problem(
                    name,
                    value,
                    _("Code officiel attendu (%(shortest)s à %(longest)s caractères).")
                    % {"shortest": shortest, "longest": longest},
                )
        return tuple(dict.fromkeys(kept))

    def choices(self, name: str, accepted: list[str]) -> tuple[str, ...]:
        kept = []
        for value in self.values(name):
            if value in accepted:
                kept.append(value)
            else:
                self.problem(
                    name,
                    value,
                    _("Valeur inconnue. Valeurs possibles : %(values)s.")
                    % {"values": ", ".join(accepted)},
                )
        return tuple(dict.fromkeys(kept))

    def boolean(self, name: str) -> bool | None:
        value = self.single(name).lower()
        if value in {"", "all"}:
            return None
        if value in {"1", "yes", "oui", "true"}:
            return True
        if value in {"0", "no", "non", "false"}:
            return False
        self.problem(name, value, _("Attendu : « yes » ou « no »."))
        return None

    def date(self, name: str) -> datetime.date | None:
        value = self.single(name)
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            self.problem(name, value, _("Date attendue au format AAAA-MM-JJ."))
            return None

    def numbers(self, name: str, count: int) -> list[float] | None:
        value = self.single(name)
        if not value:
            return None
        try:
            numbers = [float(part) for part in value.split(",")]
        except ValueError:
            numbers = []
        if len(numbers) == count and all(math.isfinite(n) for n in numbers):
            return numbers
        message = _("Attendu : %(count)s nombres séparés par des virgules.") % {"count": count}
        self.problem(name, value, message)
        return None

    def bbox(self) -> tuple[float, float, float, float] | None:
        numbers = self.numbers("bbox", 4)
        if numbers is None:
            return None
        west, south, east, north = numbers
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
            self.problem(
                "bbox",
                self.single("bbox"),
                _(
                    "Attendu : ouest,sud,est,nord en degrés (longitudes entre -180 et 180, "
                    "latitudes entre -90 et 90, sud ≤ nord)."
                ),
            )
            return None
        return west, south, east, north

    def near(self) -> tuple[tuple[float, float] | None, float | None]:
        radius = None
        radius_text = self.single("radius")
        if radius_text:
            try:
                radius = float(radius_text)
            except ValueError:
                radius = math.nan
            if not (0 < radius <= MAX_RADIUS_KM):
                self.problem(
                    "radius",
                    radius_text,
                    _("Rayon en kilomètres attendu, entre 0 et %(max)s.") % {"max": MAX_RADIUS_KM},
                )
                radius = None
        numbers = self.numbers("near", 2)
        if numbers is None:
            return None, radius
        latitude, longitude = numbers
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            self.problem("near", self.single("near"), _("Attendu : latitude,longitude en degrés."))
            return None, radius
        return (latitude, longitude), radius


# (data version, the terms' keys read under it): the last read, shared by the process's
# threads (replaced whole, never changed in place).
_term_ids_read: tuple[str, Mapping[tuple[str, str], int]] | None = None


def term_ids_forget() -> None:
    """Forget the terms' keys kept for the process (tests counting a first request)."""
    global _term_ids_read
    _term_ids_read = None


def _term_ids(version: str | None = None) -> Mapping[tuple[str, str], int]:
    """(kind, slug) → primary key of every term of the vocabularies (one query).

    With the data version the caller read, the keys read under that version are reused:
    every write to the terms changes it (a trigger, maillage.structures.data_version),
    and the version read in a transaction is that of the data it sees. Read on every
    call otherwise.
    """
    global _term_ids_read
    read = _term_ids_read
    if version is not None and read is not None and read[0] == version:
        return read[1]
    ids = MappingProxyType(
        {(kind, slug): pk for pk, kind, slug in Term.objects.values_list("pk", "kind", "slug")}
    )
    if version is not None:
        _term_ids_read = (version, ids)
    return ids


# Parameters the filters understand; the API documentation and the map use this list.
FILTER_PARAMETERS = (
    "q",
    *(facet.parameter for facet in VOCABULARY_FACETS),
    *(f"{facet.parameter}_mode" for facet in VOCABULARY_FACETS),
    "region",
    "department",
    "epci",
    "territory",
    "size",
    "resilience",
    "verified",
    "updated_since",
    "bbox",
    "near",
    "radius",
)
