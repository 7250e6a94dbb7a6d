"""A small invented atlas for the matchmaking tests.

Every place and structure here is fictitious: department 99 and its communes do not exist,
so the answers hold whether or not the real referential is loaded in the test database.

    Port-Essai   (99101) 250,000 inhabitants, Métropole d'essai (ME)   47.20, -1.55
    Rive-Essai   (99102)  12,000 inhabitants, Métropole d'essai (ME)   ~8 km east
    Grand-Essai  (99201) 300,000 inhabitants, Métropole du Sud (ME)    ~520 km away
    Bourg-Essai  (99301)     900 inhabitants, CC du Causse (CC)        ~430 km away
    Saint-Essai  (99401, department 99) and Saint-Essai (99402, department 990)
"""

import pytest

from maillage.referential.models import Epci
from maillage.structures.models import ResilienceInitiative, Structure, ValueExample
from tests.factories import CommuneFactory, DepartmentFactory, EpciFactory, RegionFactory
from tests.web.builders import load_vocabularies, make_structure

PORT = (47.2, -1.55)


def _commune(code, name, population, epci, point, department="99", postcodes=""):
    region = RegionFactory(code="99", name="Région d'essai")
    return CommuneFactory(
        code=code,
        name=name,
        population=population,
        department=DepartmentFactory(
            code=department, name=f"Département d'essai {department}", region=region
        ),
        epci=EpciFactory(code=epci[0], name=epci[1], kind=epci[2]),
        latitude=point[0],
        longitude=point[1],
        postcodes=postcodes,
    )


def build_places() -> dict:
    metropole = ("999000001", "Métropole d'essai", Epci.Kind.METROPOLE)
    return {
        "port": _commune("99101", "Port-Essai", 250_000, metropole, PORT, postcodes="99100"),
        "rive": _commune(
            "99102", "Rive-Essai", 12_000, metropole, (47.2, -1.444), postcodes="99300"
        ),
        "grand": _commune(
            "99201",
            "Grand-Essai",
            300_000,
            ("999000002", "Métropole du Sud", Epci.Kind.METROPOLE),
            (45.76, 4.83),
            postcodes="99600",
        ),
        "bourg": _commune(
            "99301",
            "Bourg-Essai",
            900,
            ("999000003", "CC du Causse", Epci.Kind.COMMUNAUTE_COMMUNES),
            (44.6, 2.03),
            postcodes="99700",
        ),
        "evry": _commune(
            "99501",
            "Évry-sur-Essai",
            5_000,
            ("999000003", "CC du Causse", Epci.Kind.COMMUNAUTE_COMMUNES),
            (44.7, 2.1),
            postcodes="99710",
        ),
        "saint_a": _commune(
            "99401", "Saint-Essai", 3_000, metropole, (47.0, -1.0), postcodes="99800"
        ),
        "saint_b": _commune(
            "99402",
            "Saint-Essai",
            2_000,
            metropole,
            (46.0, 0.0),
            department="990",
            postcodes="99900",
        ),
    }


def build_partners_atlas(vocab, places) -> dict:
    """Structures whose expected rankings are argued in each test."""
    types, themes = vocab["type"], vocab["theme"]
    formats, actors = vocab["format"], vocab["actor"]
    made = {
        "atelier": make_structure(
            name="Atelier des mobilités",
            main_type=types["fablab"],
            commune=places["port"],
            latitude=PORT[0],
            longitude=PORT[1],
            themes=[themes["mobilite"], themes["sante"]],
            formats=[formats["prototypage"]],
            audiences=[actors["startups"]],
            short_description="Fablab de la mobilité douce et de la santé.",
        ),
        "labo": make_structure(
            name="Labo de la Rive",
            main_type=types["living-lab"],
            commune=places["rive"],
            latitude=None,
            longitude=None,
            themes=[themes["mobilite"]],
            formats=[formats["hackathons"]],
        ),
        "cluster": make_structure(
            name="Cluster du Sud",
            main_type=types["pole-competitivite"],
            commune=places["grand"],
            latitude=45.76,
            longitude=4.83,
            themes=[themes["mobilite"], themes["sante"]],
            formats=[formats["prototypage"]],
            partner_kinds=[actors["collectivites"]],
        ),
        "tiers_lieu": make_structure(
            name="Grange du Causse",
            main_type=types["tiers-lieu"],
            commune=places["bourg"],
            latitude=44.6,
            longitude=2.03,
            themes=[themes["alimentation-agriculture"]],
            description="Atelier de réparation de vélos cargos et marché de producteurs.",
        ),
        "closed": make_structure(
            name="Ancienne fabrique",
            main_type=types["fablab"],
            commune=places["port"],
            status=Structure.Status.CLOSED,
            themes=[themes["mobilite"], themes["sante"]],
        ),
        "pending": make_structure(
            name="Projet en modération",
            main_type=types["fablab"],
            commune=places["port"],
            status=Structure.Status.PENDING,
            themes=[themes["mobilite"], themes["sante"]],
        ),
    }
    ResilienceInitiative.objects.create(
        structure=made["cluster"], title="Navettes solidaires pendant le confinement"
    )
    ResilienceInitiative.objects.create(
        structure=made["pending"], title="Initiative encore en modération"
    )
    ValueExample.objects.create(structure=made["atelier"], title="Vingt vélos cargos prototypés")
    return made


@pytest.fixture
def vocab(db):
    return load_vocabularies()


@pytest.fixture
def places(db):
    return build_places()


@pytest.fixture
def partners_atlas(vocab, places):
    return build_partners_atlas(vocab, places)
