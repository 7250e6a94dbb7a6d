"""The ranking alone: needs and candidates built in memory, no database.

Each test argues the expected order from the weights in maillage/matchmaking/ranking.py:
themes 0.40, formats 0.15, audiences 0.10, partner kinds 0.05, text 0.10, distance 0.20,
each a fraction of what was asked; closeness is 1 / (1 + km / 30).
"""

import pytest
from django.utils import translation

from maillage.matchmaking.ranking import (
    Candidate,
    Need,
    distance_closeness,
    format_distance,
    haversine_km,
    rank,
    score,
)

# Term ids of a small vocabulary, with their French labels.
MOBILITY, HEALTH, ENERGY = 1, 2, 3
HACKATHON, TRAINING = 11, 12
STARTUPS, AUTHORITIES = 21, 22
LABELS = {
    MOBILITY: "Mobilité",
    HEALTH: "Santé",
    ENERGY: "Énergie",
    HACKATHON: "Hackathons",
    TRAINING: "Formation",
    STARTUPS: "Start-up",
    AUTHORITIES: "Collectivités territoriales",
}
NANTES = (47.2184, -1.5536)


@pytest.fixture(autouse=True)
def _french():
    # The why line is in the active language: French here, whatever ran before.
    with translation.override("fr"):
        yield


def km_east(origin, km):
    """A point km kilometres due east of origin (close enough at these distances)."""
    import math

    return (origin[0], origin[1] + km / (111.32 * math.cos(math.radians(origin[0]))))


def need(**kwargs) -> Need:
    for name in ("themes", "formats", "audiences", "partner_kinds"):
        kwargs[name] = frozenset(kwargs.get(name, ()))
    return Need(labels=LABELS, **kwargs)


def candidate(key, **kwargs) -> Candidate:
    for name in ("themes", "formats", "audiences", "partner_kinds", "document_terms"):
        kwargs[name] = frozenset(kwargs.get(name, ()))
    return Candidate(key=key, name=kwargs.pop("name", key), **kwargs)


def keys(matches):
    return [m.key for m in matches]


def test_haversine_matches_known_distances():
    paris, lyon = (48.8566, 2.3522), (45.7640, 4.8357)
    assert haversine_km(paris, lyon) == pytest.approx(392, abs=3)
    assert haversine_km(NANTES, NANTES) == 0
    assert haversine_km(NANTES, km_east(NANTES, 10)) == pytest.approx(10, abs=0.1)


def test_two_shared_themes_beat_one_closer_theme():
    # B shares both requested themes at 10 km: 0.40 + 0.20 × 1/(1+10/30) = 0.55.
    # A shares one of two at 5 km: 0.20 + 0.20 × 1/(1+5/30) ≈ 0.37.
    # B first: covering the whole need outweighs 5 km.
    wanted = need(themes={MOBILITY, HEALTH}, origin=NANTES)
    a = candidate("A", themes={MOBILITY}, point=km_east(NANTES, 5))
    b = candidate("B", themes={MOBILITY, HEALTH}, point=km_east(NANTES, 10))
    assert keys(rank(wanted, [a, b])) == ["B", "A"]


def test_with_the_same_themes_the_nearer_comes_first():
    # Both share Mobility, the only theme asked: 0.40 each; distance decides,
    # 0.20 × 1/(1+3/30) ≈ 0.18 at 3 km against 0.20 × 1/(1+200/30) ≈ 0.03 at 200 km.
    wanted = need(themes={MOBILITY}, origin=NANTES)
    far = candidate("far", themes={MOBILITY}, point=km_east(NANTES, 200))
    near = candidate("near", themes={MOBILITY}, point=km_east(NANTES, 3))
    assert keys(rank(wanted, [far, near])) == ["near", "far"]


def test_a_theme_far_away_beats_a_format_next_door():
    # T shares the one theme asked, 400 km away: 0.40 + 0.20/(1+400/30) ≈ 0.41.
    # F shares the one format asked, 1 km away: 0.15 + 0.20/(1+1/30) ≈ 0.34.
    # What a structure works on matters more than how it works or where it is.
    wanted = need(themes={ENERGY}, formats={HACKATHON}, origin=NANTES)
    theme_far = candidate("T", themes={ENERGY}, point=km_east(NANTES, 400))
    format_near = candidate("F", formats={HACKATHON}, point=km_east(NANTES, 1))
    assert keys(rank(wanted, [format_near, theme_far])) == ["T", "F"]


def test_serving_the_asker_breaks_a_tie_on_themes():
    # Same theme, same distance: S serves start-ups (audience, +0.10) and works with them
    # (partner kind, +0.05); O does neither. S first.
    wanted = need(themes={HEALTH}, audiences={STARTUPS}, partner_kinds={STARTUPS}, origin=NANTES)
    point = km_east(NANTES, 20)
    other = candidate("O", themes={HEALTH}, point=point)
    serving = candidate(
        "S", themes={HEALTH}, audiences={STARTUPS}, partner_kinds={STARTUPS}, point=point
    )
    ranked = rank(wanted, [other, serving])
    assert keys(ranked) == ["S", "O"]
    assert ranked[0].components["audiences"] == pytest.approx(0.10)
    assert ranked[0].components["partner_kinds"] == pytest.approx(0.05)


def test_words_of_the_description_count_as_prefixes_of_stems():
    # Keywords "vélo cargo" are stemmed to ("velo", "cargo"). D's description holds both
    # (its document has "velos" and "cargos"): text 0.10. E holds neither and shares no
    # theme: left out, since distance alone is no reason to suggest a partner.
    wanted = need(text_terms=("velo", "cargo"), origin=NANTES)
    d = candidate("D", document_terms={"atelier", "velos", "cargos"}, point=NANTES)
    e = candidate("E", document_terms={"atelier", "bois"}, point=NANTES)
    ranked = rank(wanted, [e, d])
    assert keys(ranked) == ["D"]
    assert ranked[0].text_matches == 2
    assert ranked[0].components["text"] == pytest.approx(0.10)


def test_a_single_common_word_alone_is_not_enough():
    # W shares one word of three ("ouest") and nothing else: dropped. V shares two of three
    # words: kept.
    wanted = need(text_terms=("biotherap", "sant", "ouest"))
    one_word = candidate("W", document_terms={"ouest", "fablab"})
    two_words = candidate("V", document_terms={"biotherap", "sante"})
    assert keys(rank(wanted, [one_word, two_words])) == ["V"]


def test_without_origin_the_distance_does_not_count_and_why_has_no_distance():
    wanted = need(themes={MOBILITY})
    match = score(wanted, candidate("A", themes={MOBILITY}, point=NANTES))
    assert match.distance_km is None
    assert match.components["distance"] == 0
    assert match.why == "Partage le thème Mobilité"


def test_ties_go_to_the_nearer_then_to_the_name():
    # Equal fit and no point for either: the name decides, case-insensitively.
    wanted = need(themes={MOBILITY})
    zebra = candidate("z", name="Zèbre", themes={MOBILITY})
    atelier = candidate("a", name="atelier", themes={MOBILITY})
    assert keys(rank(wanted, [zebra, atelier])) == ["a", "z"]


def test_limit_keeps_the_best():
    wanted = need(themes={MOBILITY}, origin=NANTES)
    many = [candidate(str(km), themes={MOBILITY}, point=km_east(NANTES, km)) for km in (50, 5, 20)]
    assert keys(rank(wanted, many, limit=2)) == ["5", "20"]


def test_why_names_the_shared_themes_and_the_distance():
    wanted = need(themes={MOBILITY, HEALTH, ENERGY}, origin=NANTES)
    match = score(wanted, candidate("B", themes={MOBILITY, HEALTH}, point=km_east(NANTES, 12)))
    assert match.why == "Partage les thèmes Mobilité et Santé · à 12 km"


def test_why_names_formats_audiences_and_partners():
    wanted = need(
        themes={MOBILITY},
        formats={HACKATHON, TRAINING},
        audiences={STARTUPS},
        partner_kinds={AUTHORITIES},
        origin=NANTES,
    )
    found = candidate(
        "C",
        themes={MOBILITY},
        formats={HACKATHON, TRAINING},
        audiences={STARTUPS},
        partner_kinds={AUTHORITIES},
        point=NANTES,
    )
    assert score(wanted, found).why == (
        "Partage le thème Mobilité · Formats Hackathons et Formation · Accompagne : Start-up"
        " · Travaille avec : Collectivités territoriales · à moins d'1 km"
    )


def test_why_enumerates_three_themes():
    wanted = need(themes={MOBILITY, HEALTH, ENERGY}, origin=NANTES)
    match = score(
        wanted,
        candidate("B", themes={MOBILITY, HEALTH, ENERGY}, point=km_east(NANTES, 40)),
    )
    assert match.why == "Partage les thèmes Mobilité, Santé et Énergie · à 40 km"


def test_distances_are_written_in_whole_km_with_french_thousands():
    assert format_distance(0.4) == "à moins d'1 km"
    assert format_distance(12.49) == "à 12 km"
    assert format_distance(1234.4) == "à 1\u202f234 km"


def test_why_is_translated():
    wanted = need(themes={MOBILITY, HEALTH}, origin=NANTES)
    with translation.override("en"):
        match = score(wanted, candidate("B", themes={MOBILITY, HEALTH}, point=km_east(NANTES, 12)))
    # Labels come from the need (the caller gives them in the active language).
    assert match.why == "Shares the themes Mobilité and Santé · 12 km away"


def test_closeness_halves_at_thirty_km():
    assert distance_closeness(0) == 1
    assert distance_closeness(30) == pytest.approx(0.5)
    assert distance_closeness(90) == pytest.approx(0.25)
