"""A small atlas whose insights are worked out by hand in the tests.

Five communes, 500,000 inhabitants:

| commune             | dep | EPCI kind | population | size class | structures (published)      |
|---------------------|-----|-----------|-----------:|------------|-----------------------------|
| Nantes 44109        | 44  | ME        |    300,000 | 100k-plus  | A fablab, B fablab          |
| Saint-Herblain 44162| 44  | ME        |    100,000 | 100k-plus  | C living lab                |
| Guingamp 22070      | 22  | CC        |      9,000 | 2k-10k     | D incubateur                |
| Bourg 22001         | 22  | CC        |      1,000 | lt2k       | (E fablab, pending)         |
| Ploumagoar 22225    | 22  | CC        |     90,000 | 50k-100k   | (F tiers-lieu, closed)      |

Region 52 (dep 44) holds 400,000 inhabitants and 3 structures, region 53 (dep 22) 100,000
and 1. The populations are made up so that the shares come out round.
"""

import datetime as dt

from maillage.referential.models import Commune, CommuneAlias, Department, Epci, Region
from maillage.structures.models import ResilienceInitiative, Structure
from tests.factories import CommuneFactory, DepartmentFactory, EpciFactory, RegionFactory
from tests.web.builders import load_vocabularies, make_structure

# (code, name, department, EPCI, population, latitude, longitude)
COMMUNES = [
    ("44109", "Nantes", "44", "me", 300_000, 47.2184, -1.5536),
    ("44162", "Saint-Herblain", "44", "me", 100_000, 47.2122, -1.6497),
    ("22070", "Guingamp", "22", "cc", 9_000, 48.5627, -3.1500),
    ("22001", "Bourg", "22", "cc", 1_000, 48.4000, -2.8000),
    ("22225", "Ploumagoar", "22", "cc", 90_000, 48.0000, -2.0000),
]


def clear_referential() -> None:
    """Empty the referential inside the test's transaction (the session's bundled
    referential, when loaded, comes back at rollback), so national totals are known."""
    CommuneAlias.objects.all().delete()
    Commune.objects.all()._raw_delete(Commune.objects.db)
    Epci.objects.all()._raw_delete(Epci.objects.db)
    Department.objects.all()._raw_delete(Department.objects.db)
    Region.objects.all()._raw_delete(Region.objects.db)


def build_known_atlas() -> dict:
    clear_referential()
    vocab = load_vocabularies()
    types, themes = vocab["type"], vocab["theme"]
    formats, actors, resilience = vocab["format"], vocab["actor"], vocab["resilience"]
    regions = {
        "44": RegionFactory(code="52", name="Pays de la Loire"),
        "22": RegionFactory(code="53", name="Bretagne"),
    }
    departments = {
        "44": DepartmentFactory(code="44", name="Loire-Atlantique", region=regions["44"]),
        "22": DepartmentFactory(code="22", name="Côtes-d'Armor", region=regions["22"]),
    }
    epcis = {
        "me": EpciFactory(code="244400404", name="Nantes Métropole", kind=Epci.Kind.METROPOLE),
        "cc": EpciFactory(
            code="200067981", name="CC du Trégor", kind=Epci.Kind.COMMUNAUTE_COMMUNES
        ),
    }
    communes = {
        code: CommuneFactory(
            code=code,
            name=name,
            department=departments[dep],
            epci=epcis[epci],
            population=population,
            latitude=lat,
            longitude=lon,
        )
        for code, name, dep, epci, population, lat, lon in COMMUNES
    }

    def located(commune, **kwargs):
        # No point of its own: the structure sits at its commune's centre.
        return make_structure(commune=communes[commune], latitude=None, longitude=None, **kwargs)

    made = {
        "a": located(
            "44109",
            name="Atelier A",
            slug="atelier-a",
            main_type=types["fablab"],
            themes=[themes["mobilite"], themes["sante"]],
            formats=[formats["prototypage"], formats["hackathons"]],
            partner_kinds=[actors["collectivites"], actors["startups"]],
            audiences=[actors["citoyens-associations"]],
        ),
        "b": located(
            "44109",
            name="Bidouille B",
            slug="bidouille-b",
            main_type=types["fablab"],
            themes=[themes["mobilite"]],
        ),
        "c": located(
            "44162",
            name="Cité lab C",
            slug="cite-lab-c",
            main_type=types["living-lab"],
            formats=[formats["experimentation"]],
            partner_kinds=[actors["recherche"]],
        ),
        "d": located(
            "22070",
            name="Incubateur D",
            slug="incubateur-d",
            main_type=types["incubateur"],
            themes=[themes["sante"]],
        ),
        "e": located(
            "22001",
            name="Projet E",
            slug="projet-e",
            main_type=types["fablab"],
            status=Structure.Status.PENDING,
        ),
        "f": located(
            "22225",
            name="Ancien F",
            slug="ancien-f",
            main_type=types["tiers-lieu"],
            status=Structure.Status.CLOSED,
        ),
    }
    for structure, title, category, started in (
        ("a", "Visières imprimées en 3D", "equipements-protection", dt.date(2020, 3, 20)),
        ("a", "Livraisons de paniers", "logistique-locale", dt.date(2020, 4, 2)),
        ("c", "Masques en tissu", "equipements-protection", dt.date(2020, 3, 25)),
    ):
        ResilienceInitiative.objects.create(
            structure=made[structure],
            title=title,
            category=resilience[category],
            started_on=started,
        )
    made["vocab"] = vocab
    made["communes"] = communes
    return made
