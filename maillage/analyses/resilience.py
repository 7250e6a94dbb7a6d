"""Resilience initiatives (the study's Covid-19 update) by category, type and region."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from maillage.analyses.geography import Names
from maillage.analyses.selection import Selection
from maillage.analyses.tables import Column, Row, Table
from maillage.structures.models import ResilienceInitiative, Term

UNCATEGORISED = "none"


@dataclass
class Initiative:
    title: str
    category: str
    started_on: object
    structure_name: str
    structure_slug: str
    structure_type: str
    region: str


@dataclass
class Resilience:
    initiatives: list[Initiative] = field(default_factory=list)
    by_category: Table | None = None
    by_type: Table | None = None
    by_region: Table | None = None

    @property
    def structures(self) -> int:
        return len({i.structure_slug for i in self.initiatives})


def resilience_compute(selection: Selection, names: Names) -> Resilience:
    """The initiatives of the selection's structures, counted three ways (one query)."""
    items = {item.id: item for item in selection.items}
    rows = (
        selection.initiatives
        if selection.initiatives is not None
        else ResilienceInitiative.objects.filter(structure__in=selection.ids())
        .order_by("-started_on", "title")
        .values_list("structure_id", "title", "category__slug", "started_on")
        if items
        else []
    )
    result = Resilience()
    for structure_id, title, category, started_on in rows:
        item = items[structure_id]
        result.initiatives.append(
            Initiative(
                title=title,
                category=category or UNCATEGORISED,
                started_on=started_on,
                structure_name=item.name,
                structure_slug=item.slug,
                structure_type=item.type,
                region=item.region,
            )
        )
    vocabulary = selection.vocabulary
    columns = [Column(_("Initiatives")), Column(_("Structures"))]

    def counted(key, caption, header, categories, attribute):
        initiatives = Counter(getattr(i, attribute) for i in result.initiatives)
        structures = Counter(
            getattr(i, attribute)
            for i in {i.structure_slug: i for i in result.initiatives}.values()
        )
        table = Table(key=key, caption=caption, row_header=header, columns=list(columns))
        for code, label, color in categories:
            if initiatives.get(code) or attribute != "region":
                table.rows.append(
                    Row(label, [initiatives.get(code, 0), structures.get(code, 0)], code, color)
                )
        return table

    categories = [(t.slug, t.label, "") for t in vocabulary.of(Term.Kind.RESILIENCE)]
    if any(i.category == UNCATEGORISED for i in result.initiatives):
        categories.append((UNCATEGORISED, _("Sans catégorie"), ""))
    result.by_category = counted(
        "resilience-categories",
        _("Initiatives de résilience par catégorie"),
        _("Catégorie"),
        categories,
        "category",
    )
    result.by_type = counted(
        "resilience-types",
        _("Initiatives de résilience par type de structure"),
        _("Type"),
        [(t.slug, t.label, t.color) for t in vocabulary.of(Term.Kind.TYPE)],
        "structure_type",
    )
    result.by_region = counted(
        "resilience-regions",
        _("Initiatives de résilience par région"),
        _("Région"),
        [(code, name, "") for code, name in sorted(names.regions.items(), key=lambda r: r[1])],
        "region",
    )
    return result
