"""Where the structures are: per region and department, per kind of EPCI, per commune size.

Population comes from the referential (population municipale), restricted to the geographic
scope of the filters, so that "share of population" means share of the selection's territory.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from django.utils.translation import gettext as _

from maillage.analyses.geography import Communes, Names
from maillage.analyses.numbers import fmt, per_100k, ratio, share
from maillage.analyses.selection import Selection
from maillage.analyses.tables import PERCENT, RATE, Column, Row, Table
from maillage.referential.models import Commune, Epci

NO_EPCI = "none"


def _population_by(communes: Communes, column: np.ndarray, scope: np.ndarray) -> dict[str, int]:
    totals: dict[str, int] = {}
    keys = column[scope]
    populations = communes.population[scope]
    for key in np.unique(keys):
        totals[key] = int(populations[keys == key].sum())
    return totals


def by_area(
    selection: Selection, communes: Communes, names: Names, scope: np.ndarray, *, level: str
) -> Table:
    """Structures, population and structures per 100,000 inhabitants by region or department."""
    column = communes.region if level == "region" else communes.department
    populations = _population_by(communes, column, scope)
    counts = Counter(getattr(item, level) for item in selection.items)
    labels = names.regions if level == "region" else names.departments
    table = Table(
        key="regions" if level == "region" else "departments",
        caption=_("Structures par région")
        if level == "region"
        else _("Structures par département"),
        row_header=_("Région") if level == "region" else _("Département"),
        columns=[
            Column(_("Structures")),
            Column(_("Population")),
            Column(_("Structures pour 100 000 habitants"), RATE),
        ],
    )
    for code in sorted(populations, key=lambda c: labels.get(c, c) if level == "region" else c):
        n = counts.get(code, 0)
        population = populations[code]
        label = labels.get(code, code)
        if level == "department":
            label = f"{label} ({code})"
        table.rows.append(Row(label, [n, population, per_100k(n, population)], key=code))
    return table


def _share_table(
    selection: Selection,
    communes: Communes,
    scope: np.ndarray,
    *,
    key: str,
    caption: str,
    row_header: str,
    categories: list[tuple[str, str]],
    item_key,
    commune_column: np.ndarray,
) -> Table:
    counts = Counter(item_key(item) for item in selection.items)
    located = sum(counts.get(code, 0) for code, _label in categories)
    populations = _population_by(communes, commune_column, scope)
    total_population = sum(populations.get(code, 0) for code, _label in categories)
    table = Table(
        key=key,
        caption=caption,
        row_header=row_header,
        columns=[
            Column(_("Structures")),
            Column(_("Part des structures"), PERCENT),
            Column(_("Population")),
            Column(_("Part de la population"), PERCENT),
            Column(_("Structures pour 100 000 habitants"), RATE),
        ],
        note=_(
            "Parts calculées sur les %(located)s structures rattachées à une commune du "
            "périmètre et sur la population municipale de ce périmètre."
        )
        % {"located": fmt(located, 0)},
    )
    for code, label in categories:
        n = counts.get(code, 0)
        population = populations.get(code, 0)
        if not n and not population:
            continue
        table.rows.append(
            Row(
                label,
                [
                    n,
                    share(n, located),
                    population,
                    share(population, total_population),
                    per_100k(n, population),
                ],
                key=code,
            )
        )
    return table


def by_epci_kind(selection: Selection, communes: Communes, scope: np.ndarray) -> Table:
    """Métropoles, CU, CA, CC: share of structures against share of population."""
    categories = [(str(k.value), str(k.label)) for k in Epci.Kind] + [
        (NO_EPCI, _("Hors intercommunalité"))
    ]
    kinds = np.where(communes.epci_kind == "", NO_EPCI, communes.epci_kind)
    return _share_table(
        selection,
        communes,
        scope,
        key="epci-kinds",
        caption=_("Structures et population par nature d'intercommunalité"),
        row_header=_("Nature de l'EPCI"),
        categories=categories,
        item_key=lambda item: (item.epci_kind or NO_EPCI) if item.commune else None,
        commune_column=kinds,
    )


def by_size_class(selection: Selection, communes: Communes, scope: np.ndarray) -> Table:
    categories = [(str(k.value), str(k.label)) for k in Commune.SizeClass]
    return _share_table(
        selection,
        communes,
        scope,
        key="size-classes",
        caption=_("Structures et population par taille de commune"),
        row_header=_("Taille de la commune"),
        categories=categories,
        item_key=lambda item: item.size_class or None,
        commune_column=communes.size_class,
    )


def endowment_index(table: Table, key: str) -> float | None:
    """Share of structures / share of population of one category (1 = proportionate)."""
    return ratio(table.value(key, 1), table.value(key, 3))
