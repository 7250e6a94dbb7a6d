"""The atlas filters and their facet counts, on the database in use."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from maillage.referential.models import Commune
from maillage.structures.facets import facet_counts
from maillage.structures.filters import StructureFilters
from maillage.structures.models import Structure, Term
from tests.factories import StructureFactory, TermFactory


def names(params: str) -> list[str]:
    filters = StructureFilters.parse(QueryDict(params))
    assert not filters.problems, filters.problems
    return sorted(s.name for s in filters.apply(Structure.objects.published()))


@pytest.mark.django_db
class TestFilters:
    def test_no_filter_gives_everything(self, atlas):
        assert names("") == ["A", "B", "C", "D"]

    def test_type_includes_secondary_types(self, atlas):
        assert names("type=fablab") == ["A", "B", "D"]

    def test_themes_combine_with_or_by_default(self, atlas):
        assert names("theme=mobilite&theme=sante") == ["A", "B", "C"]

    def test_themes_combine_with_and_when_asked(self, atlas):
        assert names("theme=mobilite,sante&theme_mode=and") == ["B"]

    def test_location_filters(self, atlas):
        assert names("region=99") == ["C", "D"]
        assert names("department=44") == ["A", "B"]
        assert names("territory=CC") == ["C", "D"]
        assert names(f"size={Commune.SizeClass.OVER_100K}") == ["A", "B"]
        assert names("epci=999999999") == ["C", "D"]

    def test_resilience_and_verification(self, atlas):
        assert names("resilience=yes") == ["C"]
        assert names("verified=no") == ["A", "B", "D"]

    def test_updated_since(self, atlas):
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        assert names(f"updated_since={tomorrow}") == []

    def test_bounding_box(self, atlas):
        assert names("bbox=-3,48,-2,49") == ["C", "D"]

    def test_distance_from_a_point(self, atlas):
        # D is about 1.3 km from C's point: inside 2 km, outside 1 km.
        assert names("near=48.4,-2.8&radius=2") == ["C", "D"]
        assert names("near=48.4,-2.8&radius=1") == ["C"]

    def test_text_query_with_other_filters(self, atlas):
        assert names("q=nantes&type=fablab") == ["A", "B"]


@pytest.mark.django_db
class TestBadParameters:
    @pytest.mark.parametrize(
        "params, parameter",
        [
            ("type=spaceport", "type"),
            ("theme_mode=xor", "theme_mode"),
            ("bbox=1,2,3", "bbox"),
            ("bbox=10,50,20,40", "bbox"),
            ("near=abc", "near"),
            ("radius=5000", "radius"),
            ("radius=-1", "radius"),
            ("region=Bretagne!", "region"),
            ("updated_since=yesterday", "updated_since"),
            ("verified=maybe", "verified"),
            ("size=huge", "size"),
        ],
    )
    def test_each_bad_value_is_named_and_dropped(self, atlas, params, parameter):
        filters = StructureFilters.parse(QueryDict(params))
        assert [problem.parameter for problem in filters.problems] == [parameter]
        assert filters.apply(Structure.objects.published()).count() == 4

    def test_unknown_type_message_lists_accepted_values(self, atlas):
        (problem,) = StructureFilters.parse(QueryDict("type=spaceport")).problems
        assert "fablab" in problem.message and "living-lab" in problem.message


@pytest.mark.django_db
class TestFacetCounts:
    def test_counts_are_what_clicking_gives(self, atlas):
        filters = StructureFilters.parse(QueryDict("theme=sante"))
        counts = facet_counts(filters=filters, queryset=Structure.objects.published())
        # Themes are OR: their counts ignore the theme selection itself.
        assert counts["theme"] == {"mobilite": 2, "sante": 2}
        # Other facets count within the theme selection (B and C).
        assert counts["type"] == {"fablab": 1, "living-lab": 1}
        assert counts["region"] == {"52": 1, "99": 1}
        assert counts["resilience"] == {"yes": 1, "no": 1}
        for region, count in counts["region"].items():
            assert len(names(f"theme=sante&region={region}")) == count

    def test_type_counts_include_secondary_types_once(self, atlas):
        counts = facet_counts(filters=StructureFilters(), queryset=Structure.objects.published())
        assert counts["type"] == {"fablab": 3, "living-lab": 2}

    def test_and_mode_counts_narrow(self, atlas):
        filters = StructureFilters.parse(QueryDict("theme=mobilite&theme_mode=and"))
        counts = facet_counts(filters=filters, queryset=Structure.objects.published())
        assert counts["theme"] == {"mobilite": 2, "sante": 1}


@pytest.mark.django_db
class TestFacetCountsEqualClicks:
    """Each count of each facet is the number of results of the filters with that value
    chosen (for an OR facet: instead of its own current values), on an atlas holding the
    cases the counting queries treat apart."""

    @pytest.fixture
    def edge_cases(self, atlas):
        fablab = atlas["a"].main_type
        living_lab = atlas["c"].main_type
        health = atlas["c"].themes.get()
        hub = TermFactory(kind=Term.Kind.TYPE, slug="hub", label_fr="Hub")
        # A secondary type equal to the main one counts once.
        same = StructureFactory(name="E", main_type=fablab, commune=None, themes=[health])
        same.secondary_types.set([fablab, living_lab])
        # Several secondary types, no commune (no region, territory nor size).
        several = StructureFactory(name="F", main_type=hub, commune=None, themes=[health])
        several.secondary_types.set([fablab, living_lab])
        # Unpublished: counted nowhere, whatever its links.
        hidden = StructureFactory(
            name="G", main_type=hub, status=Structure.Status.PENDING, themes=[health]
        )
        hidden.secondary_types.set([fablab])
        return atlas

    @pytest.mark.parametrize("selected", ["", "theme=sante", "theme=sante&type=hub"])
    def test_every_count_is_what_clicking_gives(self, edge_cases, selected):
        filters = StructureFilters.parse(QueryDict(selected))
        counts = facet_counts(filters=filters, queryset=Structure.objects.published())
        for parameter, values in counts.items():
            others = QueryDict(selected, mutable=True)
            others.pop(parameter, None)
            for value, count in values.items():
                clicked = QueryDict(others.urlencode(), mutable=True)
                clicked.setlist(parameter, [value])
                assert len(names(clicked.urlencode())) == count, (parameter, value)
        # A type left out of the counts gives no result.
        for slug in Term.objects.filter(kind=Term.Kind.TYPE).values_list("slug", flat=True):
            if slug not in counts["type"]:
                clicked = QueryDict(selected, mutable=True)
                clicked.setlist("type", [slug])
                assert names(clicked.urlencode()) == [], slug

    def test_secondary_types_count_each_structure_once(self, edge_cases):
        filters = StructureFilters.parse(QueryDict("theme=sante"))
        counts = facet_counts(filters=filters, queryset=Structure.objects.published())
        # B (fablab), C (living lab), E (fablab; secondary fablab, living lab),
        # F (hub; secondary fablab, living lab); G is pending.
        assert counts["type"] == {"fablab": 3, "living-lab": 3, "hub": 1}
        assert counts["region"] == {"52": 1, "99": 1}
        assert counts["territory"] == {"ME": 1, "CC": 1}
        assert sum(counts["size"].values()) == 2
