"""What a feed or a digest follows: territories, themes and structure types.

`FollowFilters.parse(params)` reads query parameters (a QueryDict or a mapping of lists)
and checks every value against the referential and the vocabularies: an unknown code or
slug is a `FilterError` naming the parameter and the value, never a silently empty feed.
Within a parameter values combine with OR; the territory parameters (region, department,
EPCI, commune) together form one territory, also OR; territory, theme and type combine
with AND.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from maillage.referential.models import Commune, Department, Epci, Region
from maillage.structures.filters import StructureFilters
from maillage.structures.models import Structure, Term

# The parameters in the order of a canonical URL.
TERRITORY_PARAMETERS = ("region", "department", "epci", "commune")
PARAMETERS = (*TERRITORY_PARAMETERS, "theme", "type")
MAX_VALUES = 20


@dataclass(frozen=True)
class FilterProblem:
    parameter: str
    value: str
    message: str


class FilterError(ValueError):
    """Parameters that name nothing Maillage knows; problems say which and what to do."""

    def __init__(self, problems: list[FilterProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _values(params: Mapping, name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    # Both ?theme=a&theme=b and ?theme=a,b are accepted, as on the map.
    return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


@dataclass(frozen=True)
class FollowFilters:
    region: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    epci: tuple[str, ...] = ()
    commune: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    # Names of the values, for titles and e-mails: {(parameter, value): label}.
    labels: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def parse(cls, params: Mapping, *, ignore: tuple[str, ...] = ()) -> FollowFilters:
        """Checked filters from query parameters. Raises FilterError on an unknown parameter
        (other than those in ignore) or value."""
        problems: list[FilterProblem] = []
        for name in params:
            if name not in PARAMETERS and name not in ignore:
                problems.append(
                    FilterProblem(
                        name,
                        "",
                        _(
                            "Le paramètre « %(name)s » n'existe pas. Paramètres possibles : "
                            "%(known)s."
                        )
                        % {"name": name, "known": ", ".join(PARAMETERS)},
                    )
                )
        found: dict[str, tuple[str, ...]] = {}
        labels: dict[tuple[str, str], str] = {}
        for name in PARAMETERS:
            values = sorted(set(_values(params, name)))
            if len(values) > MAX_VALUES:
                problems.append(
                    FilterProblem(
                        name,
                        "",
                        _("Au plus %(max)s valeurs pour « %(name)s ».")
                        % {"max": MAX_VALUES, "name": name},
                    )
                )
                continue
            known = _known(name, values)
            for value in values:
                key = value.upper() if name in TERRITORY_PARAMETERS else value
                if key in known:
                    labels[(name, key)] = known[key]
                else:
                    problems.append(FilterProblem(name, value, _unknown_message(name, value)))
            found[name] = tuple(
                sorted({v.upper() if name in TERRITORY_PARAMETERS else v for v in values})
            )
        if problems:
            raise FilterError(problems)
        return cls(**found, labels=labels)

    @classmethod
    def from_stored(cls, stored: Mapping) -> FollowFilters:
        """Filters saved with a subscription; values removed since (a merged commune, a
        deleted theme) are dropped rather than failing the whole digest."""
        found = {}
        labels = {}
        for name in PARAMETERS:
            values = [str(v) for v in stored.get(name, [])]
            known = _known(name, values)
            found[name] = tuple(v for v in values if v in known)
            labels.update({(name, v): known[v] for v in found[name]})
        return cls(**found, labels=labels)

    # -- reading -------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in PARAMETERS)

    def as_params(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in PARAMETERS if getattr(self, name)}

    def query_string(self) -> str:
        """The canonical query string ('' without filters): one comma list per parameter."""
        return urlencode(
            [(name, ",".join(values)) for name, values in self.as_params().items()], safe=","
        )

    def describe(self) -> str:
        """The filters in words, e.g. « Bretagne · Mobilité, Santé · Fablab »."""
        parts = []
        for group in (TERRITORY_PARAMETERS, ("theme",), ("type",)):
            names = [
                self.labels.get((name, value), value)
                for name in group
                for value in getattr(self, name)
            ]
            if names:
                parts.append(", ".join(names))
        return " · ".join(parts) or _("toute la France, tous thèmes et tous types")

    # -- applying ------------------------------------------------------------------------

    def structures(self, queryset: QuerySet | None = None) -> QuerySet:
        """Published structures that match (queryset: a narrower start)."""
        if queryset is None:
            queryset = Structure.objects.all()
        queryset = queryset.published()
        territory = Q()
        if self.region:
            territory |= Q(commune__department__region__in=self.region)
        if self.department:
            territory |= Q(commune__department__in=self.department)
        if self.epci:
            territory |= Q(commune__epci__in=self.epci)
        if self.commune:
            territory |= Q(commune__in=self.commune)
        if territory:
            queryset = queryset.filter(territory)
        return StructureFilters(theme=self.theme, type=self.type).apply(queryset, rank=False)


def _known(name: str, values: list[str]) -> dict[str, str]:
    """{value: label} of the values that exist."""
    if not values:
        return {}
    if name in TERRITORY_PARAMETERS:
        model = {"region": Region, "department": Department, "epci": Epci, "commune": Commune}
        codes = [v.upper() for v in values]
        rows = model[name].objects.filter(code__in=codes)
        if name == "commune":
            rows = rows.select_related("department")
        return {row.code: str(row) for row in rows}
    kind = Term.Kind.THEME if name == "theme" else Term.Kind.TYPE
    return {term.slug: term.label for term in Term.objects.filter(kind=kind, slug__in=values)}


def _unknown_message(name: str, value: str) -> str:
    messages = {
        "region": _(
            "Aucune région n'a le code INSEE « %(value)s » (ex. 52 pour les Pays de la Loire)."
        ),
        "department": _("Aucun département n'a le code « %(value)s » (ex. 44, 2A, 974)."),
        "epci": _("Aucun EPCI n'a le numéro SIREN « %(value)s » (9 chiffres)."),
        "commune": _("Aucune commune n'a le code INSEE « %(value)s » (5 caractères, ex. 44109)."),
        "theme": _("Aucune thématique n'a l'identifiant « %(value)s » : voir la liste sur /flux/."),
        "type": _(
            "Aucun type de structure n'a l'identifiant « %(value)s » : voir la liste sur /flux/."
        ),
    }
    return messages[name] % {"value": value}
