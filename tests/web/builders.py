"""Test data for the public pages: the shipped vocabularies and a small, plausible atlas.

The structures below are invented for the tests (names, people and numbers are not real).
"""

import datetime as dt
import json
from pathlib import Path

from django.utils import timezone

from maillage.referential.models import Epci
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Structure,
    Term,
    ValueExample,
)
from maillage.structures.text_search import structure_search_refresh
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    EpciFactory,
    RegionFactory,
    SourceFactory,
    StructureFactory,
    TermFactory,
)

VOCABULARIES = Path(__file__).resolve().parents[2] / "data/vocabularies/vocabularies.json"


def load_vocabularies() -> dict[str, dict[str, Term]]:
    """The shipped vocabularies as Terms, by kind then slug."""
    data = json.loads(VOCABULARIES.read_text(encoding="utf-8"))
    terms: dict[str, dict[str, Term]] = {}
    for kind in Term.Kind.values:
        for position, entry in enumerate(data.get(kind, [])):
            term = TermFactory(
                kind=kind,
                slug=entry["slug"],
                label_fr=entry["fr"],
                label_en=entry["en"],
                color=entry.get("color", ""),
                position=position,
            )
            terms.setdefault(kind, {})[term.slug] = term
    return terms


def make_structure(**kwargs) -> Structure:
    """A structure saved with its search columns computed, as an import would leave it."""
    many = ("secondary_types", "formats", "audiences", "partner_kinds")
    m2m = {name: kwargs.pop(name, []) for name in many}
    structure = StructureFactory(**kwargs)
    for name, values in m2m.items():
        if values:
            getattr(structure, name).set(values)
    structure_search_refresh(structures=[structure])
    structure.refresh_from_db()
    return structure


def _commune(code, name, population, dep_code, dep_name, reg_code, reg_name, epci):
    region = RegionFactory(code=reg_code, name=reg_name)
    department = DepartmentFactory(code=dep_code, name=dep_name, region=region)
    return CommuneFactory(
        code=code,
        name=name,
        population=population,
        department=department,
        epci=EpciFactory(code=epci[0], name=epci[1], kind=epci[2]),
        postcodes="",
    )


def build_atlas(vocab: dict[str, dict[str, Term]]) -> dict[str, Structure]:
    """A dozen structures over five regions, one of them described in full."""
    types, themes = vocab["type"], vocab["theme"]
    formats, actors = vocab["format"], vocab["actor"]
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
    figeac = _commune(
        "46102",
        "Figeac",
        9789,
        "46",
        "Lot",
        "76",
        "Occitanie",
        ("200067361", "Grand-Figeac", Epci.Kind.COMMUNAUTE_COMMUNES),
    )
    lyon = _commune(
        "69123",
        "Lyon",
        522250,
        "69",
        "Rhône",
        "84",
        "Auvergne-Rhône-Alpes",
        ("200046977", "Métropole de Lyon", Epci.Kind.METROPOLE),
    )
    guingamp = _commune(
        "22070",
        "Guingamp",
        6944,
        "22",
        "Côtes-d'Armor",
        "53",
        "Bretagne",
        ("200067981", "Guingamp-Paimpol Agglomération", Epci.Kind.COMMUNAUTE_AGGLOMERATION),
    )
    census = SourceFactory(
        slug="tiers-lieux-cget-2019",
        name="Recensement national des tiers-lieux (CGET, 2019)",
        url="https://www.example.org/tiers-lieux-2019",
        licence="Licence Ouverte 2.0",
        attribution="CGET (aujourd'hui ANCT), 2019",
        published_on=dt.date(2019, 6, 1),
    )
    study = SourceFactory(
        slug="bdt-opencitiz-2020",
        name="Étude Banque des Territoires / OpenCitiz (2020)",
        licence="Licence Ouverte 2.0",
        attribution="Banque des Territoires, OpenCitiz",
        published_on=dt.date(2020, 10, 1),
    )
    atlas = {}
    atlas["fabrique"] = make_structure(
        uid="mlg-0001",
        slug="la-fabrique-des-communs",
        name="La Fabrique des communs",
        acronym="FDC",
        main_type=types["fablab"],
        secondary_types=[types["tiers-lieu"], types["living-lab"]],
        short_description=(
            "Fablab associatif et tiers-lieu de fabrication numérique au cœur de Nantes."
        ),
        description=(
            "Atelier ouvert de prototypage : imprimantes 3D, découpe laser, électronique.\n\n"
            "La Fabrique accompagne les porteurs de projets en énergie renouvelable et en "
            "mobilité douce, et anime des ateliers d'inclusion numérique."
        ),
        address="12 rue des Ateliers",
        postcode="44200",
        commune=nantes,
        latitude=47.20631,
        longitude=-1.56342,
        geo_precision=Structure.GeoPrecision.HOUSENUMBER,
        geo_source="Base Adresse Nationale",
        website="https://www.fabrique-des-communs.example/",
        linkedin="https://www.linkedin.com/company/fabrique-des-communs-example",
        twitter="javascript:alert(1)",
        year_founded=2014,
        legal_form="Association loi 1901",
        siret="12345678900017",
        themes=[themes["energie-renouvelable"], themes["mobilite"], themes["inclusion-numerique"]],
        formats=[formats["prototypage"], formats["formation"], formats["hebergement"]],
        audiences=[actors["startups"], actors["citoyens-associations"]],
        partner_kinds=[actors["collectivites"], actors["grandes-entreprises"]],
        source=study,
        source_record_id="BDT-042",
        last_verified_at=timezone.make_aware(dt.datetime(2026, 3, 14, 10, 0)),
        verified_by="Équipe Maillage",
    )
    atlas["tiers-lieu"] = make_structure(
        uid="mlg-0002",
        slug="le-hangar-tiers-lieu",
        name="Le Hangar, tiers-lieu rural",
        main_type=types["tiers-lieu"],
        short_description="Coworking et atelier partagé dans une ancienne gare du Lot.",
        description="Espace de coworking, café associatif et fablab rural.",
        commune=figeac,
        latitude=44.6086,
        longitude=2.0317,
        geo_precision=Structure.GeoPrecision.COMMUNE,
        geo_source="Centre de la commune (INSEE)",
        source=census,
        source_record_id="TL-0815",
        provenance_note="Adresse du recensement de 2019, non confirmée depuis.",
    )
    atlas["accelerateur"] = make_structure(
        uid="mlg-0003",
        slug="energies-ouest-accelerateur",
        name="Énergies Ouest Accélérateur",
        main_type=types["accelerateur"],
        short_description="Programme d'accélération de start-up des énergies renouvelables.",
        description=(
            "Accélère les jeunes entreprises de l'énergie renouvelable et du bâtiment économe."
        ),
        commune=rennes,
        latitude=48.1113,
        longitude=-1.68,
        source=study,
        themes=[themes["energie-renouvelable"]],
        last_verified_at=timezone.make_aware(dt.datetime(2026, 1, 5, 9, 0)),
    )
    atlas["living-lab"] = make_structure(
        uid="mlg-0004",
        slug="living-lab-seniors-lyon",
        name="Living lab Bien vieillir",
        main_type=types["living-lab"],
        short_description="Expérimentations avec les habitants autour du maintien à domicile.",
        commune=lyon,
        latitude=45.7578,
        longitude=4.832,
        source=study,
        themes=[themes["silver-economie"]],
    )
    atlas["pole"] = make_structure(
        uid="mlg-0005",
        slug="pole-mer-et-mobilites",
        name="Pôle Mer et mobilités",
        main_type=types["pole-competitivite"],
        short_description=(
            "Pôle de compétitivité de la mobilité durable et des industries de la mer."
        ),
        commune=nantes,
        source=study,
        themes=[themes["mobilite"], themes["industrie"]],
    )
    atlas["incubateur"] = make_structure(
        uid="mlg-0006",
        slug="incubateur-du-trégor",
        name="Incubateur du Trégor",
        main_type=types["incubateur"],
        short_description="Incubateur de projets innovants en territoire rural breton.",
        commune=guingamp,
        source=study,
    )
    atlas["hub"] = make_structure(
        uid="mlg-0007",
        slug="hub-des-territoires",
        name="Hub des territoires",
        main_type=types["hub-innovation"],
        short_description=(
            "Hub d'innovation ouverte entre collectivités, grandes entreprises et start-up."
        ),
        commune=lyon,
        source=study,
    )
    atlas["closed"] = make_structure(
        uid="mlg-0008",
        slug="ancien-coworking-du-port",
        name="Ancien coworking du port",
        main_type=types["tiers-lieu"],
        status=Structure.Status.CLOSED,
        commune=nantes,
        source=census,
    )
    atlas["pending"] = make_structure(
        uid="mlg-0009",
        slug="projet-en-moderation",
        name="Projet en modération",
        main_type=types["fablab"],
        status=Structure.Status.PENDING,
        commune=nantes,
        source=census,
    )

    fabrique = atlas["fabrique"]
    NamedPartner.objects.create(
        structure=fabrique,
        name="Énergies Ouest Accélérateur",
        kind=actors["startups"],
        partner_structure=atlas["accelerateur"],
    )
    NamedPartner.objects.create(
        structure=fabrique, name="Ville de Nantes", kind=actors["collectivites"]
    )
    NamedPartner.objects.create(
        structure=fabrique, name="Projet en modération", partner_structure=atlas["pending"]
    )
    ValueExample.objects.create(
        structure=fabrique,
        title="Des vélos cargos fabriqués localement",
        description="Douze prototypes conçus avec des artisans du quartier.",
    )
    Contact.objects.create(
        structure=fabrique,
        name="Camille Martin",
        role="Coordinatrice",
        email="camille@fabrique-des-communs.example",
        phone="02 40 00 00 00",
        publication_consent=True,
    )
    Contact.objects.create(
        structure=fabrique,
        name="Dominique Secret",
        email="secret@example.org",
        publication_consent=False,
    )
    ResilienceInitiative.objects.create(
        structure=fabrique,
        title="Visières imprimées en 3D pour les soignants",
        description="Plus de 4 000 visières livrées aux hôpitaux et aux Ehpad du département.",
        category=TermFactory(
            kind=Term.Kind.RESILIENCE,
            slug="equipements",
            label_fr="Équipements de protection",
            label_en="Protective equipment",
        ),
        started_on=dt.date(2020, 3, 20),
        ended_on=dt.date(2020, 6, 15),
    )
    return atlas
