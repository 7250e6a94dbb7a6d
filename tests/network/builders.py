"""A small invented partnership network for the tests (no name here is a real structure's
partner: structures, partners and links are made up).

    Atelier Nord (fablab, Nantes, mobilité) names: Ville de Nantes (collectivité),
        Région Pays de la Loire (collectivité), Pôle Sud (structure), Projet caché
        (a pending structure: shown as a plain name), Jeune Pousse (start-up).
    Pôle Sud (pôle, Rennes, mobilité) names: Université de Rennes (recherche),
        Atelier Nord (structure: the same link as above, drawn once).
    Lab Est (living lab, Nantes, santé) names: « VILLE DE  NANTES » (collectivité: the same
        node as Ville de Nantes), « ville de nantes » as a large company (another node),
        « Region Pays-de-la-Loire » (collectivité: the same node as the Région).
    Ancien lieu (closed, Nantes) names Atelier Nord.
    Projet caché (pending, Nantes) names Ville de Nantes: never shown.
    Hangar isolé (tiers-lieu, Rennes) names nobody and nobody names it.
"""

from maillage.referential.models import Epci
from maillage.structures.models import NamedPartner, Structure
from tests.web.builders import _commune, make_structure


def build_network(vocabularies) -> dict[str, Structure]:
    types, themes, actors = vocabularies["type"], vocabularies["theme"], vocabularies["actor"]
    nantes = _commune(
        "44109",
        "Nantes",
        320732,
        "44",
        "Loire-Atlantique",
        "52",
        "Pays de la Loire",
        ("244400404", "Nantes Métropole", Epci.Kind.METROPOLE),
    )
    rennes = _commune(
        "35238",
        "Rennes",
        225081,
        "35",
        "Ille-et-Vilaine",
        "53",
        "Bretagne",
        ("243500139", "Rennes Métropole", Epci.Kind.METROPOLE),
    )
    made = {
        "atelier": make_structure(
            slug="atelier-nord",
            name="Atelier Nord",
            main_type=types["fablab"],
            commune=nantes,
            themes=[themes["mobilite"]],
        ),
        "pole": make_structure(
            slug="pole-sud",
            name="Pôle Sud",
            main_type=types["pole-competitivite"],
            commune=rennes,
            themes=[themes["mobilite"]],
        ),
        "lab": make_structure(
            slug="lab-est",
            name="Lab Est",
            main_type=types["living-lab"],
            commune=nantes,
            themes=[themes["sante"]],
        ),
        "closed": make_structure(
            slug="ancien-lieu",
            name="Ancien lieu",
            main_type=types["tiers-lieu"],
            commune=nantes,
            status=Structure.Status.CLOSED,
        ),
        "pending": make_structure(
            slug="projet-cache",
            name="Projet caché",
            main_type=types["fablab"],
            commune=nantes,
            status=Structure.Status.PENDING,
        ),
        "alone": make_structure(
            slug="hangar-isole",
            name="Hangar isolé",
            main_type=types["tiers-lieu"],
            commune=rennes,
        ),
    }

    def name(structure, partner, kind=None, linked=None):
        NamedPartner.objects.create(
            structure=made[structure],
            name=partner,
            kind=actors[kind] if kind else None,
            partner_structure=made[linked] if linked else None,
        )

    name("atelier", "Ville de Nantes", "collectivites")
    name("atelier", "Région Pays de la Loire", "collectivites")
    name("atelier", "Pôle Sud", "recherche", linked="pole")
    name("atelier", "Projet caché", linked="pending")
    name("atelier", "Jeune Pousse", "startups")
    name("pole", "Université de Rennes", "recherche")
    name("pole", "Atelier Nord", linked="atelier")
    name("lab", "VILLE DE  NANTES", "collectivites")
    name("lab", "ville de nantes", "grandes-entreprises")
    name("lab", "Region Pays-de-la-Loire", "collectivites")
    name("closed", "Atelier Nord", linked="atelier")
    name("pending", "Ville de Nantes", "collectivites")
    return made
