"""Every insight of a selection, computed once and shared by the page, CSV, JSON and guide."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.analyses import coverage, distributions, openness, resilience, territories
from maillage.analyses.geography import Communes, Names, communes_load, names_load
from maillage.analyses.numbers import fmt, fmt_pct, per_100k
from maillage.analyses.selection import Selection, selection_load
from maillage.analyses.tables import Table
from maillage.structures.filters import StructureFilters
from maillage.structures.models import Term


@dataclass
class Insights:
    filters: StructureFilters
    # What the analyses were computed on; None once dropped (insights_lighten): the
    # figures kept on disk do without the structures themselves.
    selection: Selection | None
    communes: Communes | None
    names: Names | None
    scope: np.ndarray | None  # communes inside the geographic filters
    generated_at: object
    distributions: dict[str, Table] = field(default_factory=dict)
    crosses: dict[str, Table] = field(default_factory=dict)
    regions: Table | None = None
    departments: Table | None = None
    epci_kinds: Table | None = None
    size_classes: Table | None = None
    coverage: coverage.Coverage | None = None
    openness: Table | None = None
    openness_method: list[str] = field(default_factory=list)
    resilience: resilience.Resilience | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # The few figures read from the selection and the referential, counted once.
    total: int = 0
    located: int = 0
    regions_with_structures: int = 0
    scope_population: int = 0
    scope_communes: int = 0

    def __post_init__(self) -> None:
        if self.selection is not None:
            items = self.selection.items
            self.total = len(items)
            self.located = sum(1 for item in items if item.commune)
            self.regions_with_structures = len({item.region for item in items if item.region})
        if self.communes is not None and self.scope is not None:
            self.scope_population = int(self.communes.population[self.scope].sum())
            self.scope_communes = int(self.scope.sum())

    @property
    def per_100k(self) -> float | None:
        return per_100k(self.located, self.scope_population)

    def tables(self) -> dict[str, Table]:
        """Every table by key, in the order of the page (the CSV downloads)."""
        found = [
            *self.distributions.values(),
            *self.crosses.values(),
            self.regions,
            self.departments,
            self.epci_kinds,
            self.size_classes,
            self.coverage.table,
            self.openness,
            self.resilience.by_category,
            self.resilience.by_type,
            self.resilience.by_region,
        ]
        return {table.key: table for table in found if table is not None}

    def as_data(self) -> dict:
        return {
            "generated_at": self.generated_at.isoformat(),
            "filters": self.filters.as_params(),
            "structures": self.total,
            "population": self.scope_population,
            "communes": self.scope_communes,
            "structures_per_100k": self.per_100k,
            "coverage_distance_km": self.coverage.distance_km,
            "findings": findings(self),
            "tables": {key: table.as_data() for key, table in self.tables().items()},
        }


def insights_build(
    *,
    filters: StructureFilters,
    distance_km: float = coverage.DEFAULT_DISTANCE_KM,
    coverage_type: str = coverage.ALL_TYPES,
    selection: Selection | None = None,
) -> Insights:
    """All the analyses of the published structures matching `filters`.

    A fixed number of queries whatever the data; an empty selection gives tables of zeros
    and shares of None, never an error.
    """
    clock = time.perf_counter()
    timings = {}

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    if selection is None:
        selection = selection_load(filters=filters)
    communes = communes_load()
    names = names_load()
    scope = communes.mask(
        region=filters.region,
        department=filters.department,
        epci=filters.epci,
        territory=filters.territory,
        size=filters.size,
    )
    lap("selection")
    insights = Insights(
        filters=filters,
        selection=selection,
        communes=communes,
        names=names,
        scope=scope,
        generated_at=timezone.now(),
        timings=timings,
    )
    insights.distributions["types"] = distributions.by_type(selection)
    for key, _relation, _kind in distributions.FACETS:
        insights.distributions[key] = distributions.by_term(selection, key)
    insights.crosses["themes"] = distributions.cross_table(selection, "themes")
    insights.crosses["partners"] = distributions.cross_table(selection, "partners")
    lap("distributions")
    insights.regions = territories.by_area(selection, communes, names, scope, level="region")
    insights.departments = territories.by_area(
        selection, communes, names, scope, level="department"
    )
    insights.epci_kinds = territories.by_epci_kind(selection, communes, scope)
    insights.size_classes = territories.by_size_class(selection, communes, scope)
    lap("territories")
    known_types = {t.slug for t in selection.vocabulary.of(Term.Kind.TYPE)}
    insights.coverage = coverage.coverage_compute(
        selection,
        communes,
        scope,
        distance_km=distance_km,
        map_type=coverage_type if coverage_type in known_types else coverage.ALL_TYPES,
    )
    lap("coverage")
    insights.openness, weights = openness.by_type(selection)
    insights.openness_method = openness.method_lines(selection, weights)
    insights.resilience = resilience.resilience_compute(selection, names)
    lap("openness and resilience")
    return insights


def insights_lighten(insights: Insights) -> Insights:
    """The same figures without what they were computed from (the structures, the
    referential's arrays): what the page, its CSV tables and its JSON read, small enough to
    keep (maillage.analyses.kept). The guide, which lists the structures, needs the whole."""
    return dataclasses.replace(insights, selection=None, communes=None, names=None, scope=None)


# -- Sentences whose numbers are computed -----------------------------------------------


def _top(table: Table, column: int = 0):
    rows = [r for r in table.rows if r.values[column]]
    return max(rows, key=lambda r: r.values[column], default=None)


def sentence_types(insights: Insights) -> str:
    top = _top(insights.distributions["types"])
    if top is None:
        return _("Aucune structure dans la sélection.")
    return _(
        "Le type le plus représenté est « %(type)s » : %(count)s structures, soit %(share)s "
        "de la sélection."
    ) % {"type": top.label, "count": fmt(top.values[0], 0), "share": fmt_pct(top.values[1])}


def sentence_term(insights: Insights, key: str) -> str:
    table = insights.distributions[key]
    top = _top(table)
    if top is None:
        return _("Aucune structure de la sélection ne renseigne ce champ.")
    return _(
        "« %(label)s » arrive en tête : %(count)s structures, soit %(share)s de la sélection."
    ) % {"label": top.label, "count": fmt(top.values[0], 0), "share": fmt_pct(top.values[1])}


def sentence_metropoles(insights: Insights) -> str:
    row = next((r for r in insights.epci_kinds.rows if r.key == "ME"), None)
    if row is None or row.values[1] is None or row.values[3] is None:
        return _("Aucune métropole ni structure localisée dans le périmètre choisi.")
    return _(
        "%(structures)s des structures sont dans une métropole, qui rassemble %(population)s "
        "de la population."
    ) % {"structures": fmt_pct(row.values[1]), "population": fmt_pct(row.values[3])}


def sentence_small_communes(insights: Insights) -> str:
    row = next((r for r in insights.size_classes.rows if r.key == "lt2k"), None)
    if row is None or row.values[1] is None or row.values[3] is None:
        return _("Aucune commune de moins de 2 000 habitants dans le périmètre choisi.")
    return _(
        "Les communes de moins de 2 000 habitants accueillent %(structures)s des structures "
        "pour %(population)s de la population."
    ) % {"structures": fmt_pct(row.values[1]), "population": fmt_pct(row.values[3])}


def sentence_regions(insights: Insights) -> str:
    top = _top(insights.regions, 2)
    if top is None:
        return _("Aucune structure localisée dans une région du périmètre.")
    return _(
        "%(region)s est la mieux dotée rapportée à sa population : %(rate)s structures pour "
        "100 000 habitants, contre %(average)s sur l'ensemble du périmètre."
    ) % {
        "region": top.label,
        "rate": fmt(top.values[2], 1),
        "average": fmt(insights.per_100k, 1),
    }


def sentence_departments(insights: Insights) -> str:
    top = _top(insights.departments, 2)
    if top is None:
        return _("Aucune structure localisée dans un département du périmètre.")
    covered = sum(1 for r in insights.departments.rows if r.values[0])
    return _(
        "%(covered)s départements sur %(total)s comptent au moins une structure ; le mieux doté "
        "rapporté à sa population est %(department)s (%(rate)s pour 100 000 habitants)."
    ) % {
        "covered": covered,
        "total": len(insights.departments.rows),
        "department": top.label,
        "rate": fmt(top.values[2], 1),
    }


def sentence_coverage(insights: Insights) -> str:
    row = insights.coverage.table.rows[0]
    if row.values[3] is None:
        return _("Aucune commune localisée dans le périmètre choisi.")
    return _(
        "%(share)s de la population (%(population)s habitants, %(communes)s communes) vit à "
        "plus de %(distance)s km de toute structure de la sélection."
    ) % {
        "share": fmt_pct(row.values[3]),
        "population": fmt(row.values[2], 0),
        "communes": fmt(row.values[1], 0),
        "distance": f"{insights.coverage.distance_km:g}",
    }


def sentence_openness(insights: Insights) -> str:
    scored = [r for r in insights.openness.rows if r.key != "all" and r.values[2] is not None]
    if not scored:
        return _(
            "Aucune structure de la sélection ne déclare de partenaire, de format ou de public : "
            "le niveau d'innovation ouverte ne peut pas être calculé."
        )
    high = max(scored, key=lambda r: r.values[2])
    low = min(scored, key=lambda r: r.values[2])
    return _(
        "Le niveau moyen d'innovation ouverte va de %(low)s/100 (%(low_type)s) à %(high)s/100 "
        "(%(high_type)s), sur %(scored)s structures notées."
    ) % {
        "low": fmt(low.values[2], 1),
        "low_type": low.label,
        "high": fmt(high.values[2], 1),
        "high_type": high.label,
        "scored": fmt(insights.openness.rows[-1].values[1], 0),
    }


def sentence_resilience(insights: Insights) -> str:
    result = insights.resilience
    if not result.initiatives:
        return _("Aucune initiative de résilience n'est déclarée dans la sélection.")
    top = _top(result.by_type)
    return _(
        "%(initiatives)s initiatives de résilience, portées par %(structures)s structures ; "
        "le type qui en porte le plus : %(type)s (%(count)s)."
    ) % {
        "initiatives": len(result.initiatives),
        "structures": result.structures,
        "type": top.label,
        "count": top.values[0],
    }


def findings(insights: Insights) -> list[str]:
    """The key findings, each a sentence with its numbers computed from the data."""
    if not insights.total:
        return [_("Aucune structure publiée ne correspond à cette sélection.")]
    return [
        ngettext(
            "%(count)s structures publiées, dans %(regions)s région.",
            "%(count)s structures publiées, dans %(regions)s régions.",
            insights.regions_with_structures,
        )
        % {"count": fmt(insights.total, 0), "regions": insights.regions_with_structures},
        sentence_metropoles(insights),
        sentence_small_communes(insights),
        sentence_types(insights),
        sentence_regions(insights),
        sentence_coverage(insights),
        sentence_openness(insights),
        sentence_resilience(insights),
    ]


def scope_description(insights: Insights) -> list[tuple[str, str]]:
    """The filters in words: [(what, values)], empty for the whole atlas."""
    from maillage.referential.models import Epci

    filters, names = insights.filters, insights.names
    parts: list[tuple[str, str]] = []
    if filters.q:
        parts.append((_("Recherche"), f"« {filters.q} »"))
    if filters.region:
        parts.append((_("Région"), ", ".join(names.regions.get(c, c) for c in filters.region)))
    if filters.department:
        parts.append(
            (
                _("Département"),
                ", ".join(f"{names.departments.get(c, c)} ({c})" for c in filters.department),
            )
        )
    if filters.epci:
        epcis = dict(Epci.objects.filter(code__in=filters.epci).values_list("code", "name"))
        parts.append((_("Intercommunalité"), ", ".join(epcis.get(c, c) for c in filters.epci)))
    if filters.territory:
        kinds = dict(Epci.Kind.choices)
        parts.append(
            (_("Nature de l'EPCI"), ", ".join(str(kinds.get(k, k)) for k in filters.territory))
        )
    if filters.size:
        from maillage.referential.models import Commune

        sizes = dict(Commune.SizeClass.choices)
        parts.append((_("Taille de commune"), ", ".join(str(sizes[s]) for s in filters.size)))
    for parameter, kind, label in (
        ("type", Term.Kind.TYPE, _("Type")),
        ("theme", Term.Kind.THEME, _("Thématique")),
        ("format", Term.Kind.FORMAT, _("Format")),
        ("audience", Term.Kind.ACTOR, _("Public")),
        ("partner", Term.Kind.ACTOR, _("Partenaire")),
    ):
        values = getattr(filters, parameter)
        if values:
            joiner = _(" et ") if filters.mode(parameter) == "and" else _(" ou ")
            vocabulary = insights.selection.vocabulary
            parts.append((label, joiner.join(vocabulary.label(kind, v) for v in values)))
    if filters.resilience is not None:
        parts.append(
            (
                _("Initiatives de résilience"),
                _("avec") if filters.resilience else _("sans"),
            )
        )
    if filters.verified is not None:
        parts.append(
            (_("Vérification"), _("vérifiées") if filters.verified else _("non vérifiées"))
        )
    if filters.updated_since:
        parts.append((_("Mises à jour depuis"), filters.updated_since.isoformat()))
    if filters.bbox or filters.near:
        parts.append((_("Zone"), _("emprise de carte")))
    return parts
