"""/territoires/<kind>/<code>/ on the bundled referential: a métropole, a communauté de
communes, an overseas commune, a region and a department; and unknown territories."""

import re

import pytest

from maillage.referential.models import Commune
from tests.web.builders import load_vocabularies, make_structure


@pytest.fixture
def placed(referential, db):
    """Three published structures in real communes, and one pending."""
    vocab = load_vocabularies()
    types, themes = vocab["type"], vocab["theme"]

    def at(code, **kwargs):
        commune = Commune.objects.get(code=code)
        return make_structure(
            commune=commune, latitude=commune.latitude, longitude=commune.longitude, **kwargs
        )

    return {
        "nantes-fablab": at(
            "44109", name="Fablab de Nantes", main_type=types["fablab"], themes=[themes["mobilite"]]
        ),
        "nantes-incubateur": at("44109", name="Incubateur nantais", main_type=types["incubateur"]),
        "figeac": at(
            "46102",
            name="Tiers-lieu de Figeac",
            main_type=types["tiers-lieu"],
            themes=[themes["sante"]],
        ),
        "pending": at("44109", name="En attente", main_type=types["living-lab"], status="pending"),
    }


def text_of(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def figure(response, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', response.content.decode())
    return match.group(1).replace("\u00a0", " ").replace("\u202f", " ")


def test_a_metropole(client, placed):
    response = client.get("/territoires/epci/244400404/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Nantes Métropole" in text and "Métropole" in text
    assert figure(response, "structures") == "2"
    population = sum(
        Commune.objects.filter(epci_id="244400404").values_list("population", flat=True)
    )
    assert figure(response, "rate") == f"{200_000 / population:.1f}".replace(".", ",")
    assert "Fablab de Nantes" in text and "En attente" not in text
    # Comparable: the other métropoles of the same population band.
    assert "les métropoles de même taille" in text
    # Types it lacks get their nearest structure: the Figeac tiers-lieu.
    assert re.search(r"Tiers-lieu / coworking Tiers-lieu de Figeac · Figeac \d{3} km", text)


def test_a_communaute_de_communes(client, placed):
    response = client.get("/territoires/epci/200067361/")
    assert response.status_code == 200
    text = text_of(response)
    assert "CC Grand-Figeac" in text and "Communauté de communes" in text
    assert figure(response, "structures") == "1"
    assert "Tiers-lieu de Figeac" in text
    assert "Occitanie" in text  # the regional ratio's region
    assert "Ses communes" in text and "Figeac" in text


def test_an_overseas_commune(client, placed):
    response = client.get("/territoires/commune/97411/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Saint-Denis" in text and "La Réunion" in text
    assert figure(response, "structures") == "0"
    assert figure(response, "rate") == "0"
    assert "Aucune structure publiée dans ce territoire pour l'instant." in text
    # The nearest fablab is in Nantes, about 9,000 km away.
    assert re.search(r"Fablab de Nantes · Nantes 9 \d{3} km", text)


def test_a_region_and_a_department(client, placed):
    region = client.get("/territoires/region/52/")
    assert region.status_code == 200
    assert "Ses départements" in text_of(region)
    assert figure(region, "structures") == "2"
    department = client.get("/territoires/departement/44/")
    assert department.status_code == 200
    assert "Ses intercommunalités" in text_of(department)
    corsica = client.get("/territoires/departement/2a/")
    assert corsica.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/territoires/commune/99999/",
        "/territoires/epci/123456789/",
        "/territoires/region/00/",
        "/territoires/pays/FR/",
    ],
)
def test_unknown_territories_answer_404(client, placed, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_query_count_is_pinned(client, placed, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        assert client.get("/territoires/epci/244400404/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/territoires/commune/44109/").status_code == 200
