"""The figures of the insights: a chart (or two), its sentence and its data table.

Built from an Insights, used as is by the web page and the PDF guide, so that both show the
same charts with the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.analyses import charts, dashboard, maps
from maillage.analyses.dashboard import Insights
from maillage.analyses.numbers import fmt
from maillage.analyses.tables import Table, format_cell


@dataclass
class Figure:
    key: str  # anchor and CSV name
    title: str
    sentence: str
    table: Table
    charts: list[SafeString] = field(default_factory=list)
    section: str = ""


def summary(table: Table, column: int = 0, *, limit: int = 3) -> str:
    """'Caption: the three largest values' — the chart's accessible name."""
    rows = sorted((r for r in table.rows if r.values[column]), key=lambda r: -r.values[column])[
        :limit
    ]
    if not rows:
        return _("%(caption)s : aucune valeur.") % {"caption": table.caption}
    kind = table.columns[column].kind
    parts = ", ".join(f"{r.label} {format_cell(r.values[column], kind)}" for r in rows)
    return _("%(caption)s (%(column)s). Valeurs les plus élevées : %(values)s.") % {
        "caption": table.caption,
        "column": table.columns[column].label.lower(),
        "values": parts,
    }


def _map_scope(insights: Insights, level: str) -> frozenset[str] | None:
    filters = insights.filters
    if filters.department and level == "department":
        return frozenset(filters.department)
    if filters.region:
        if level == "region":
            return frozenset(filters.region)
        return maps.department_codes_of(filters.region)
    return None


def _choropleth(insights: Insights, table: Table, level: str, column: int, legend: str):
    return charts.choropleth(
        level=level,
        values={row.key: row.values[column] for row in table.rows},
        chart_id=f"map-{table.key}-{column}",
        title=f"{table.caption} ({table.columns[column].label.lower()})",
        summary=_("Carte. %(summary)s") % {"summary": summary(table, column)},
        legend=legend,
        only=_map_scope(insights, level),
    )


def figures_build(insights: Insights) -> list[Figure]:
    """Every figure of the dashboard, in order, grouped by section."""
    result: list[Figure] = []
    types = insights.distributions["types"]
    result.append(
        Figure(
            "types",
            types.caption,
            dashboard.sentence_types(insights),
            types,
            [
                charts.bar_chart(
                    types, chart_id="chart-types", summary=summary(types), note_column=1
                )
            ],
            section="distributions",
        )
    )
    for key in ("themes", "formats", "audiences", "partners"):
        table = insights.distributions[key]
        result.append(
            Figure(
                key,
                table.caption,
                dashboard.sentence_term(insights, key),
                table,
                [
                    charts.bar_chart(
                        table, chart_id=f"chart-{key}", summary=summary(table), note_column=1
                    )
                ],
                section="distributions",
            )
        )
    for key in ("themes", "partners"):
        table = insights.crosses[key]
        result.append(
            Figure(
                table.key,
                table.caption,
                _(
                    "Chaque case donne le nombre de structures du type (en ligne) qui déclarent la "
                    "valeur (en colonne) ; plus la case est foncée, plus elles sont nombreuses."
                ),
                table,
                [
                    charts.heatmap(
                        table,
                        chart_id=f"chart-{table.key}",
                        summary=_(
                            "Tableau croisé : %(caption)s. Les nombres sont dans le tableau de "
                            "données."
                        )
                        % {"caption": table.caption},
                    )
                ],
                section="crosses",
            )
        )
    for table, level, sentence in (
        (insights.regions, "region", dashboard.sentence_regions(insights)),
        (insights.departments, "department", dashboard.sentence_departments(insights)),
    ):
        result.append(
            Figure(
                table.key,
                table.caption,
                sentence,
                table,
                [
                    _choropleth(insights, table, level, 0, _("Structures")),
                    _choropleth(insights, table, level, 2, _("Pour 100 000 habitants")),
                ],
                section="territories",
            )
        )
    for table, sentence in (
        (insights.epci_kinds, dashboard.sentence_metropoles(insights)),
        (insights.size_classes, dashboard.sentence_small_communes(insights)),
    ):
        result.append(
            Figure(
                table.key,
                table.caption,
                sentence,
                table,
                [
                    charts.paired_bar_chart(
                        table,
                        chart_id=f"chart-{table.key}",
                        summary=_("%(caption)s. %(sentence)s")
                        % {"caption": table.caption, "sentence": sentence},
                        first=1,
                        second=3,
                        first_label=_("Part des structures"),
                        second_label=_("Part de la population"),
                    )
                ],
                section="territories",
            )
        )
    cover = insights.coverage
    result.append(
        Figure(
            "coverage",
            cover.table.caption,
            dashboard.sentence_coverage(insights),
            cover.table,
            [
                charts.bar_chart(
                    cover.table,
                    chart_id="chart-coverage",
                    summary=summary(cover.table, 3),
                    column=3,
                ),
                charts.choropleth(
                    level="department",
                    values=cover.department_shares,
                    chart_id="map-coverage",
                    title=_("Part de la population à plus de %(distance)s km : %(type)s")
                    % {"distance": f"{cover.distance_km:g}", "type": cover.map_label},
                    summary=_(
                        "Carte des zones blanches par département (%(type)s) : part de la "
                        "population à plus de %(distance)s km de la structure la plus proche."
                    )
                    % {"type": cover.map_label, "distance": f"{cover.distance_km:g}"},
                    legend=_("Part de la population au-delà"),
                    percent=True,
                    only=_map_scope(insights, "department"),
                ),
                charts.commune_map(
                    level="department",
                    points=cover.far_points,
                    chart_id="map-coverage-communes",
                    title=_("Communes à plus de %(distance)s km : %(type)s")
                    % {"distance": f"{cover.distance_km:g}", "type": cover.map_label},
                    summary=ngettext(
                        "Carte des zones blanches par commune (%(type)s) : %(count)s commune "
                        "dont le centre est à plus de %(distance)s km de la structure la plus "
                        "proche est marquée.",
                        "Carte des zones blanches par commune (%(type)s) : %(count)s communes "
                        "dont le centre est à plus de %(distance)s km de la structure la plus "
                        "proche sont marquées.",
                        len(cover.far_points),
                    )
                    % {
                        "type": cover.map_label,
                        "count": fmt(len(cover.far_points), 0),
                        "distance": f"{cover.distance_km:g}",
                    },
                    legend=_("Commune dont le centre est au-delà de %(distance)s km")
                    % {"distance": f"{cover.distance_km:g}"},
                    only=_map_scope(insights, "department"),
                ),
            ],
            section="coverage",
        )
    )
    result.append(
        Figure(
            "openness",
            insights.openness.caption,
            dashboard.sentence_openness(insights),
            insights.openness,
            [
                charts.bar_chart(
                    insights.openness,
                    chart_id="chart-openness",
                    summary=summary(insights.openness, 2),
                    column=2,
                )
            ],
            section="openness",
        )
    )
    res = insights.resilience
    for table in (res.by_category, res.by_type, res.by_region):
        result.append(
            Figure(
                table.key,
                table.caption,
                dashboard.sentence_resilience(insights) if table is res.by_category else "",
                table,
                [charts.bar_chart(table, chart_id=f"chart-{table.key}", summary=summary(table))],
                section="resilience",
            )
        )
    return result
