"""The analyses on the known atlas (tests/analyses/builders.py): every number by hand."""

import re

import pytest

from maillage.analyses import charts, dashboard, openness
from maillage.analyses.figures import figures_build
from maillage.structures.filters import StructureFilters


def build(**params):
    return dashboard.insights_build(filters=StructureFilters.parse(params))


def test_only_published_structures_are_counted(known):
    insights = build()
    assert insights.total == 4  # A, B, C, D; E is pending, F closed
    assert insights.scope_population == 500_000
    assert insights.per_100k == pytest.approx(0.8)  # 4 / 500,000 × 100,000


def test_distribution_by_type_and_theme(known):
    insights = build()
    types = insights.distributions["types"]
    assert types.value("fablab") == 2
    assert types.value("fablab", 1) == pytest.approx(50.0)
    assert types.value("living-lab") == 1
    assert types.value("tiers-lieu") == 0  # F is closed
    themes = insights.distributions["themes"]
    assert themes.value("mobilite") == 2  # A and B
    assert themes.value("sante") == 2  # A and D
    assert themes.value("sante", 1) == pytest.approx(50.0)


def test_cross_tables(known):
    insights = build()
    crossed = insights.crosses["themes"]
    columns = [c.label for c in crossed.columns]
    fablab = next(r for r in crossed.rows if r.key == "fablab")
    assert fablab.values[columns.index("Mobilité")] == 2
    assert fablab.values[columns.index("Santé")] == 1
    partners = insights.crosses["partners"]
    living_lab = next(r for r in partners.rows if r.key == "living-lab")
    assert sum(living_lab.values) == 1  # C partners with research only


def test_metropoles_against_population(known):
    insights = build()
    kinds = insights.epci_kinds
    # 3 of 4 structures in a métropole, which holds 400,000 of 500,000 inhabitants.
    assert kinds.value("ME", 0) == 3
    assert kinds.value("ME", 1) == pytest.approx(75.0)
    assert kinds.value("ME", 3) == pytest.approx(80.0)
    assert kinds.value("CC", 1) == pytest.approx(25.0)
    assert dashboard.sentence_metropoles(insights) == (
        "75\u00a0% des structures sont dans une métropole, qui rassemble 80\u00a0% de la "
        "population."
    )


def test_size_classes(known):
    sizes = build().size_classes
    assert sizes.value("100k-plus", 0) == 3
    assert sizes.value("lt2k", 0) == 0
    assert sizes.value("lt2k", 3) == pytest.approx(0.2)  # 1,000 / 500,000
    assert sizes.value("50k-100k", 2) == 90_000


def test_regions_and_departments_per_100k(known):
    insights = build()
    assert insights.regions.value("52", 0) == 3
    assert insights.regions.value("52", 1) == 400_000
    assert insights.regions.value("52", 2) == pytest.approx(0.75)
    assert insights.regions.value("53", 2) == pytest.approx(1.0)
    assert insights.departments.value("22", 0) == 1


def test_coverage_at_20_km(known):
    table = build().coverage.table
    # Everyone: Bourg (≈ 31 km from Guingamp) and Ploumagoar are beyond 20 km.
    assert table.value("all", 0) == 4
    assert table.value("all", 1) == 2
    assert table.value("all", 2) == 91_000
    assert table.value("all", 3) == pytest.approx(18.2)
    # Fablabs are all in Nantes; Saint-Herblain is ≈ 7 km away, Brittany is not.
    assert table.value("fablab", 1) == 3
    assert table.value("fablab", 2) == 100_000
    # A type without any structure leaves everyone beyond the distance.
    assert table.value("technopole", 0) == 0
    assert table.value("technopole", 3) == pytest.approx(100.0)


def test_coverage_distance_is_a_parameter(known):
    insights = dashboard.insights_build(filters=StructureFilters(), distance_km=40)
    assert insights.coverage.table.value("all", 1) == 1  # only Ploumagoar is beyond 40 km
    assert insights.coverage.communes_far[0][:3] == ("22225", "Ploumagoar", 90_000)


def test_zones_blanches_map_marks_each_commune_beyond_the_distance(known):
    def commune_cells(insights):
        figure = next(f for f in figures_build(insights) if f.key == "coverage")
        svg = next(c for c in figure.charts if 'id="map-coverage-communes"' in c)
        return svg, re.findall(r'<path d="([^"]*)" fill="#c2410c"', svg)

    # At 20 km: Bourg and Ploumagoar (Côtes-d'Armor), ≈ 85 km apart, two separate cells.
    insights = build()
    assert sorted(code for code, _lon, _lat in insights.coverage.far_points) == ["22", "22"]
    svg, paths = commune_cells(insights)
    assert "2 communes dont le centre est à plus de 20 km" in svg
    assert len(paths) == 1 and paths[0].count("M") == 2
    # At 40 km only Ploumagoar is left, and the map marks one cell.
    insights = dashboard.insights_build(filters=StructureFilters(), distance_km=40)
    svg, paths = commune_cells(insights)
    assert insights.coverage.far_points == [("22", -2.0, 48.0)]
    assert paths[0].count("M") == 1
    # At 200 km every commune is covered: no cell at all, the outlines stay.
    insights = dashboard.insights_build(filters=StructureFilters(), distance_km=200)
    svg, paths = commune_cells(insights)
    assert insights.coverage.far_points == [] and paths == []
    assert "0 communes dont le centre est à plus de 200 km" in svg


def test_openness_scores(known):
    insights = build()
    # Maximum with the shipped vocabularies: 2×8 partner kinds + 3×3 open formats
    # + 1×7 other formats + 1×8 audiences = 40 points.
    weights = openness.weights_for(insights.selection)
    assert weights.maximum == 40
    table = insights.openness
    # A: 2 partner kinds (4) + hackathons (3) + prototypage (1) + 1 audience (1) = 9 → 22.5
    assert table.value("fablab", 1) == 1  # B declares nothing: not scored
    assert table.value("fablab", 2) == pytest.approx(22.5)
    # C: experimentation (3) + research partner (2) = 5 → 12.5
    assert table.value("living-lab", 2) == pytest.approx(12.5)
    assert table.value("incubateur", 2) is None
    assert table.value("all", 2) == pytest.approx(17.5)
    assert table.value("all", 3) == pytest.approx(17.5)
    assert "2 points par type de partenaire distinct" in insights.openness_method[0]


def test_resilience(known):
    result = build().resilience
    assert len(result.initiatives) == 3
    assert result.structures == 2
    assert result.by_category.value("equipements-protection") == 2
    assert result.by_category.value("equipements-protection", 1) == 2
    assert result.by_type.value("fablab") == 2
    assert result.by_type.value("fablab", 1) == 1
    assert result.by_region.value("52") == 3


def test_filters_narrow_the_population_too(known):
    insights = build(region=["53"])
    assert insights.total == 1
    assert insights.scope_population == 100_000
    assert insights.epci_kinds.value("CC", 3) == pytest.approx(100.0)
    assert insights.coverage.table.value("all", 2) == 91_000


@pytest.mark.parametrize(
    "params", [{"theme": ["tourisme"]}, {"type": ["technopole"]}, {"region": ["93"]}]
)
def test_an_empty_selection_gives_empty_tables_not_errors(known, params):
    insights = build(**params)
    assert insights.total == 0
    assert dashboard.findings(insights) == [
        "Aucune structure publiée ne correspond à cette sélection."
    ]
    assert insights.distributions["types"].value("fablab", 1) is None
    figures = figures_build(insights)  # every chart renders
    assert all(figure.charts for figure in figures)
    insights.as_data()


def test_no_referential_at_all(db):
    from tests.analyses.builders import clear_referential

    clear_referential()
    insights = build()
    assert insights.scope_population == 0
    assert insights.per_100k is None
    assert insights.coverage.table.value("all", 3) is None
    figures_build(insights)
    assert dashboard.sentence_coverage(insights) == (
        "Aucune commune localisée dans le périmètre choisi."
    )


def test_every_chart_has_a_text_alternative(known):
    for figure in figures_build(build()):
        for svg in figure.charts:
            assert svg.startswith("<svg")
            assert 'role="img"' in svg
            assert 'aria-label="' in svg and 'aria-label=""' not in svg
            assert "<title>" in svg


def test_chart_labels_are_escaped(known):
    known["a"].main_type.label_fr = "<script>alert(1)</script>"
    known["a"].main_type.save()
    svg = "".join(c for f in figures_build(build()) for c in f.charts)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_choropleth_classes():
    assert charts.classes([]) == []
    assert charts.classes([0, 0]) == []
    assert charts.classes([1, 2, 3, 4, 5]) == [1, 2, 3, 4, 5]
    assert charts.classes([2, 2, 2]) == [2]
