"""The scopes a network is drawn for, parsed from a query string with clear messages.

A scope is a theme, a territory (region, department, EPCI or commune), or both; each value
is an identifier of the vocabulary or an official code. Problems name the parameter, the
value and what to do, in the visitor's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from maillage.referential.models import Commune, Department, Epci, Region
from maillage.structures.models import Term

TERRITORY_PARAMETERS = ("region", "department", "epci", "commune")
PATTERNS = {
    "theme": re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$"),
    "region": re.compile(r"^[0-9]{2,3}$"),
    "department": re.compile(r"^(?:[0-9]{2,3}|2[AB])$"),
    "epci": re.compile(r"^[0-9]{9}$"),
    "commune": re.compile(r"^(?:[0-9]{5}|2[AB][0-9]{3})$"),
}


@dataclass(frozen=True)
class Problem:
    parameter: str
    value: str
    message: str


@dataclass
class Scope:
    """A theme and/or one territory, resolved to their objects."""

    theme: Term | None = None
    territory_parameter: str = ""
    territory: Region | Department | Epci | Commune | None = None
    problems: list[Problem] = field(default_factory=list)
    # Well-formed values that name nothing: the page answers 404.
    unknown: list[Problem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.theme is None and self.territory is None

    def structure_filter(self) -> dict:
        """Keyword filters on Structure for this scope."""
        lookups = {
            "region": "commune__department__region",
            "department": "commune__department",
            "epci": "commune__epci",
            "commune": "commune",
        }
        filters: dict = {}
        if self.theme is not None:
            filters["themes"] = self.theme
        if self.territory is not None:
            filters[lookups[self.territory_parameter]] = self.territory
        return filters

    def query(self) -> dict[str, str]:
        values = {}
        if self.theme is not None:
            values["theme"] = self.theme.slug
        if self.territory is not None:
            values[self.territory_parameter] = self.territory.pk
        return values


def _bad_format(parameter: str, value: str) -> str:
    expected = {
        "theme": _("l'identifiant d'une thématique, par exemple « mobilite »"),
        "region": _("un code INSEE de région, par exemple « 53 »"),
        "department": _("un code INSEE de département, par exemple « 35 » ou « 2A »"),
        "epci": _("un SIREN d'intercommunalité, neuf chiffres"),
        "commune": _("un code INSEE de commune, cinq caractères, par exemple « 35238 »"),
    }[parameter]
    return _("« %(value)s » ne convient pas pour « %(parameter)s » : indiquez %(expected)s.") % {
        "value": value,
        "parameter": parameter,
        "expected": expected,
    }


def scope_parse(query) -> Scope:
    """The scope named by `query` (a QueryDict or a mapping of strings).

    Malformed values and a second territory go to `problems`; well-formed values that
    match no theme or territory go to `unknown`. At most one query per parameter given.
    """
    scope = Scope()
    values = {name: (query.get(name) or "").strip() for name in ("theme", *TERRITORY_PARAMETERS)}
    given = [name for name in TERRITORY_PARAMETERS if values[name]]
    if len(given) > 1:
        scope.problems.append(
            Problem(
                given[1],
                values[given[1]],
                _(
                    "Choisissez un seul territoire : « %(first)s » et « %(second)s » sont "
                    "donnés ensemble."
                )
                % {"first": given[0], "second": given[1]},
            )
        )
        given = given[:1]
    for name in ["theme", *given]:
        value = values[name]
        if not value:
            continue
        if name in ("department", "commune"):
            value = value.upper()
        if not PATTERNS[name].match(value):
            scope.problems.append(Problem(name, value, _bad_format(name, value)))
            continue
        if name == "theme":
            scope.theme = Term.objects.filter(kind=Term.Kind.THEME, slug=value).first()
            if scope.theme is None:
                scope.unknown.append(
                    Problem(
                        name,
                        value,
                        _("Aucune thématique n'a l'identifiant « %(value)s ».") % {"value": value},
                    )
                )
            continue
        model = {"region": Region, "department": Department, "epci": Epci, "commune": Commune}[name]
        territory = model.objects.filter(pk=value).first()
        if territory is None:
            scope.unknown.append(
                Problem(
                    name,
                    value,
                    _("Aucun territoire « %(parameter)s » n'a le code « %(value)s ».")
                    % {"parameter": name, "value": value},
                )
            )
        else:
            scope.territory_parameter, scope.territory = name, territory
    return scope
