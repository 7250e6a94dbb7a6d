"""Ranking over the database: candidates, memberships, similar structures, comparable
territories and inspiration, on the invented atlas of conftest.py."""

import pytest

from maillage.matchmaking import selectors
from maillage.structures import selectors as structure_selectors
from maillage.structures.models import Structure
from tests.matchmaking.conftest import PORT
from tests.web.builders import make_structure

pytestmark = pytest.mark.django_db


def names(ranked):
    return [item.structure.name for item in ranked]


def test_ranks_published_structures_by_themes_then_distance(vocab, partners_atlas):
    # Asked: Mobilité and Santé from Port-Essai.
    # Atelier shares both, 0 km: 0.40 + 0.20 = 0.60.
    # Cluster du Sud shares both, ~520 km: 0.40 + 0.20/(1+520/30) ≈ 0.41.
    # Labo de la Rive shares one of two, 8 km (its commune's centre): 0.20 + 0.16 ≈ 0.36.
    # The Grange shares nothing; the closed and pending structures are not published.
    themes = vocab["theme"]
    need = selectors.need_build(themes=[themes["mobilite"], themes["sante"]], origin=PORT)
    ranked = selectors.structures_rank(need)
    assert names(ranked) == ["Atelier des mobilités", "Cluster du Sud", "Labo de la Rive"]
    assert ranked[0].match.why == "Partage les thèmes Mobilité et Santé · à moins d'1 km"
    assert ranked[2].match.why == "Partage le thème Mobilité · à 8 km"
    assert ranked[2].match.distance_km == pytest.approx(8.0, abs=0.2)


def test_who_favours_structures_serving_that_public(vocab, partners_atlas):
    # Asked: Prototypage, by a local authority, with no commune (no distance).
    # Atelier and Cluster both share the format (0.15); only the Cluster works with local
    # authorities (partner kind, +0.05), so it comes first despite the alphabet.
    formats, actors = vocab["format"], vocab["actor"]
    need = selectors.need_build(
        formats=[formats["prototypage"]],
        audiences=[actors["collectivites"]],
        partner_kinds=[actors["collectivites"]],
    )
    ranked = selectors.structures_rank(need)
    assert names(ranked) == ["Cluster du Sud", "Atelier des mobilités"]
    assert ranked[0].match.why == (
        "Format Prototypage et fabrication · Travaille avec : Collectivités territoriales"
    )


def test_keywords_find_descriptions_with_french_stemming(vocab, partners_atlas):
    # "vélos cargo" → stems "velo", "cargo": the Grange's description says "vélos cargos",
    # though it is tagged with no requested theme.
    need = selectors.need_build(text="vélos cargo", origin=PORT)
    ranked = selectors.structures_rank(need)
    assert names(ranked) == ["Grange du Causse"]
    assert ranked[0].match.why.startswith("Sa description correspond · à ")


def test_a_ranking_costs_two_queries(vocab, partners_atlas, django_assert_num_queries):
    themes, actors = vocab["theme"], vocab["actor"]
    need = selectors.need_build(
        themes=[themes["mobilite"]], audiences=[actors["startups"]], text="vélo", origin=PORT
    )
    with django_assert_num_queries(2):
        ranked = selectors.structures_rank(need)
        # Everything the cards show is loaded.
        shown = [(i.structure.main_type.color, i.structure.commune.department.name) for i in ranked]
    assert len(shown) == 4


def test_pools_are_capped_and_keep_the_best_fit_and_the_nearest(vocab, places):
    # Five structures share Mobilité. With pools of 1: the best fit (the only one sharing
    # both themes, far away) and the nearest one (in Port-Essai) are kept, nothing else.
    themes = vocab["theme"]
    for n, commune in enumerate(["rive", "bourg", "bourg", "port"]):
        make_structure(
            name=f"Mobilité {n}",
            commune=places[commune],
            themes=[themes["mobilite"]],
            latitude=None,
            longitude=None,
        )
    best = make_structure(
        name="Les deux thèmes",
        commune=places["grand"],
        themes=[themes["mobilite"], themes["sante"]],
        latitude=None,
        longitude=None,
    )
    need = selectors.need_build(themes=[themes["mobilite"], themes["sante"]], origin=PORT)
    found = selectors.candidates_fetch(need, pool_size=1)
    assert {s.name for s in found} == {best.name, "Mobilité 3"}
    assert len(selectors.candidates_fetch(need, pool_size=2)) <= 4


def test_nothing_asked_finds_nothing_without_a_query(partners_atlas, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.structures_rank(selectors.need_build(origin=PORT)) == []


def test_similar_structures_near_and_far(partners_atlas):
    # Seeded from the Atelier (Mobilité, Santé, Prototypage; serves start-ups), in Port-Essai.
    # Near (≤ 50 km): the Labo (Mobilité, 8 km). Far: the Cluster (both themes and the
    # format, ~520 km). The Atelier itself, the closed and the pending ones are not shown.
    atelier = structure_selectors.structure_get(key=partners_atlas["atelier"].slug)
    similar = selectors.similar_structures(atelier)
    assert names(similar.near) == ["Labo de la Rive"]
    assert names(similar.far) == ["Cluster du Sud"]
    assert similar.near[0].match.why == "Partage le thème Mobilité · à 8 km"
    assert similar.far[0].match.why.startswith(
        "Partage les thèmes Mobilité et Santé · Format Prototypage et fabrication · à 5"
    )


def test_similar_of_a_structure_with_nothing_to_compare(vocab, places):
    bare = make_structure(name="Sans thème", commune=places["port"])
    bare = structure_selectors.structure_get(key=bare.slug)
    assert selectors.similar_structures(bare) == selectors.Similar(near=[], far=[])


def test_comparable_territories_share_epci_kind_and_size_outside_own_epci(
    vocab, places, partners_atlas
):
    # Port-Essai: a métropole's commune of 100,000+ inhabitants. Grand-Essai is one too, in
    # another métropole: its Cluster is comparable. Rive-Essai is in Port-Essai's own EPCI
    # (and smaller); Bourg-Essai is rural.
    queryset = selectors.comparable_territories_queryset(places["port"])
    assert set(queryset.values_list("name", flat=True)) == {"Cluster du Sud"}


def test_no_comparison_without_an_epci(places):
    places["port"].epci = None
    assert selectors.comparable_territories_queryset(places["port"]) is None


def test_inspiration_follows_the_themes(vocab, partners_atlas):
    themes = vocab["theme"]
    mobility = selectors.inspiration_for(selectors.need_build(themes=[themes["mobilite"]]))
    # The pending structure's initiative stays hidden.
    assert [i.title for i in mobility.initiatives] == ["Navettes solidaires pendant le confinement"]
    assert [e.title for e in mobility.examples] == ["Vingt vélos cargos prototypés"]
    food = selectors.inspiration_for(
        selectors.need_build(themes=[themes["alimentation-agriculture"]])
    )
    assert food.initiatives == [] and food.examples == []


def test_contact_link_goes_to_the_structure_page_contact_section(vocab, partners_atlas):
    need = selectors.need_build(themes=[vocab["theme"]["mobilite"]])
    item = selectors.structures_rank(need, limit=1)[0]
    assert item.contact_url == item.structure.get_absolute_url() + "#contact"


def test_only_published_structures_even_when_named_by_text(vocab, partners_atlas):
    need = selectors.need_build(text="ancienne")
    assert selectors.structures_rank(need) == []
    assert Structure.objects.filter(name="Ancienne fabrique").exists()
