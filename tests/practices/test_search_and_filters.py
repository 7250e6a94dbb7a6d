"""Finding sheets: French words in any form or as a prefix, on SQLite and PostgreSQL alike
(the same test runs on whichever database DATABASE_URL names), and the list's filters."""

import pytest
from django.urls import reverse

from maillage.practices.models import PracticeSheet
from maillage.practices.selectors import PracticeFilters, practice_list
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheets(write, atlas, vocabularies):
    themes, formats = vocabularies["theme"], vocabularies["format"]
    return {
        "hackathon": write(
            themes=[themes["mobilite"]], formats=[formats["hackathons"]]
        ),  # at the Fabrique, Nantes (Pays de la Loire), a fablab
        "appel": write(
            title="Appel à projets énergies citoyennes",
            kind=PracticeSheet.Kind.CALL_FOR_PROJECTS,
            summary="Financer des centrales solaires villageoises.",
            body="Les lauréats ont installé des panneaux photovoltaïques sur les écoles.",
            participants="",
            outcomes="Douze toitures équipées.",
            structures=[atlas["accelerateur"]],  # Rennes, Bretagne, an accelerator
            themes=[themes["energie-renouvelable"]],
            formats=[formats["appels-projets"]],
        ),
        "brouillon": write(
            title="Hackathon secret de la mobilité",
            status=PracticeSheet.Status.DRAFT,
            themes=[themes["mobilite"]],
        ),
    }


def _found(query: str = "", **params) -> list[str]:
    filters = PracticeFilters.parse({"q": query, **params})
    assert not filters.problems
    return [sheet.title for sheet in practice_list(filters=filters)]


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("prototyper", "the body says 'prototypé': same stem"),
        ("prototype", "the singular of 'prototypes' in what it produced"),
        ("covoit", "a prefix of 'covoiturage' in the summary"),
        ("COVOITURAGES", "case and plural of 'covoiturage'"),
        ("mobilites rurales", "two words of the title, accents ignored"),
        ("prototypes six mois", "words of 'what it produced'"),
        ("élus", "a word of the participants"),
    ],
)
def test_a_sheet_is_found_by_stemmed_words_and_prefixes(sheets, query, why):
    assert _found(query) == ["Hackathon des mobilités rurales"], why


def test_every_word_must_match_and_drafts_are_never_found(sheets):
    assert _found("hackathon photovoltaique") == []
    assert _found("secret") == []
    assert _found("panneau") == ["Appel à projets énergies citoyennes"]


def test_a_word_of_the_title_ranks_first(sheets, write, atlas):
    write(
        title="Atelier vélo partagé",
        summary="Un atelier de réparation ouvert aux habitants.",
        body="Né d'un hackathon.",
        participants="",
        outcomes="",
        structures=[atlas["hub"]],
    )
    assert _found("hackathon") == ["Hackathon des mobilités rurales", "Atelier vélo partagé"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"theme": "mobilite"}, ["Hackathon des mobilités rurales"]),
        ({"format": "appels-projets"}, ["Appel à projets énergies citoyennes"]),
        ({"kind": "hackathon"}, ["Hackathon des mobilités rurales"]),
        ({"type": "accelerateur"}, ["Appel à projets énergies citoyennes"]),
        ({"region": "52"}, ["Hackathon des mobilités rurales"]),
        (
            {"region": "53", "theme": "energie-renouvelable"},
            ["Appel à projets énergies citoyennes"],
        ),
        ({"region": "53", "theme": "mobilite"}, []),
    ],
)
def test_filters(sheets, params, expected):
    assert _found(**params) == expected


def test_without_filters_the_newest_published_come_first(sheets):
    assert _found() == ["Appel à projets énergies citoyennes", "Hackathon des mobilités rurales"]


def test_a_pending_structure_does_not_make_its_sheet_match_a_region(sheets, atlas):
    Structure.objects.filter(pk=atlas["accelerateur"].pk).update(status=Structure.Status.PENDING)
    assert _found(region="53") == []


def test_the_list_page_filters_searches_and_names_unknown_values(client, sheets):
    url = reverse("practices:list")
    page = client.get(url, {"q": "photovoltaïque", "kind": "appel-a-projets"}).content.decode()
    assert "Appel à projets énergies citoyennes" in page
    assert "Hackathon des mobilités rurales" not in page
    assert "1 fiche pratique" in page
    page = client.get(url, {"theme": "astronomie"}).content.decode()
    assert "Thématique inconnue : « astronomie » (filtre ignoré)." in page
    assert "2 fiches pratiques" in page
    assert "Hackathon secret" not in client.get(url).content.decode()
