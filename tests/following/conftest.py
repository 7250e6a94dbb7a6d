"""Fixtures of the feed and digest tests: a small invented atlas whose arrival dates are set
by hand, so each test can say which items are new and in which order.

Every structure below is invented for the tests (names and places of test data only).
"""

import datetime as dt
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from lxml import etree

from maillage.referential.models import Epci
from maillage.structures.models import Contact, ResilienceInitiative, Structure, Term
from tests.contributions.conftest import solve  # noqa: F401  (fixture)
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    EpciFactory,
    RegionFactory,
    SourceFactory,
    StructureFactory,
    TermFactory,
)
from tests.web.conftest import _strict_templates  # noqa: F401  (fixture)

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).with_name("atom.rng"))))
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _following_settings(settings):
    settings.ALTCHA_MAX_NUMBER = 20
    settings.ALTCHA_COST = 10
    settings.SITE_URL = "https://maillage.test"
    cache.clear()
    yield
    cache.clear()


def arrived(structure: Structure, when: dt.datetime) -> Structure:
    Structure.objects.filter(pk=structure.pk).update(created_at=when)
    structure.refresh_from_db()
    return structure


@pytest.fixture
def terms(db):
    return {
        "fablab": TermFactory(
            kind=Term.Kind.TYPE,
            slug="fablab",
            label_fr="Fablab / makerspace",
            label_en="Fablab / makerspace",
        ),
        "living-lab": TermFactory(
            kind=Term.Kind.TYPE, slug="living-lab", label_fr="Living lab", label_en="Living lab"
        ),
        "mobilite": TermFactory(
            kind=Term.Kind.THEME, slug="mobilite", label_fr="Mobilité", label_en="Mobility"
        ),
        "sante": TermFactory(
            kind=Term.Kind.THEME, slug="sante", label_fr="Santé", label_en="Health"
        ),
    }


@pytest.fixture
def places(db):
    loire = RegionFactory(code="52", name="Pays de la Loire")
    bretagne = RegionFactory(code="53", name="Bretagne")
    return {
        "nantes": CommuneFactory(
            code="44109",
            name="Nantes",
            department=DepartmentFactory(code="44", name="Loire-Atlantique", region=loire),
            epci=EpciFactory(code="244400404", name="Nantes Métropole", kind=Epci.Kind.METROPOLE),
        ),
        "rennes": CommuneFactory(
            code="35238",
            name="Rennes",
            department=DepartmentFactory(code="35", name="Ille-et-Vilaine", region=bretagne),
            epci=EpciFactory(code="243500139", name="Rennes Métropole", kind=Epci.Kind.METROPOLE),
        ),
    }


@pytest.fixture
def atlas(db, terms, places):
    """Four published structures that arrived a day apart, one pending and one closed."""
    source = SourceFactory(name="Recensement d'essai")

    def make(name, when, **kwargs):
        themes = kwargs.pop("themes", [])
        structure = StructureFactory(source=source, **kwargs)
        structure.name = name
        structure.save(update_fields=["name"])
        structure.themes.set(themes)
        return arrived(structure, when)

    made = {
        "atelier": make(
            "Atelier partagé de Nantes",
            START,
            main_type=terms["fablab"],
            commune=places["nantes"],
            themes=[terms["mobilite"]],
            short_description="Impression 3D & découpe laser",
        ),
        "lab": make(
            "Lab santé de Rennes",
            START + dt.timedelta(days=1),
            main_type=terms["living-lab"],
            commune=places["rennes"],
            themes=[terms["sante"]],
        ),
        "cafe": make(
            "Café & Co <Lab> « Zoé »",
            START + dt.timedelta(days=2),
            main_type=terms["living-lab"],
            commune=places["nantes"],
            themes=[terms["mobilite"], terms["sante"]],
        ),
        "garage": make(
            "Garage solidaire de Rennes",
            START + dt.timedelta(days=3),
            main_type=terms["fablab"],
            commune=places["rennes"],
            themes=[terms["mobilite"]],
        ),
        "pending": make(
            "Proposition en attente",
            START + dt.timedelta(days=4),
            main_type=terms["fablab"],
            commune=places["nantes"],
            status=Structure.Status.PENDING,
        ),
        "closed": make(
            "Structure fermée",
            START + dt.timedelta(days=4),
            main_type=terms["fablab"],
            commune=places["nantes"],
            status=Structure.Status.CLOSED,
        ),
    }
    Contact.objects.create(
        structure=made["atelier"],
        name="Camille Secret",
        email="camille.secret@exemple.org",
        phone="06 00 00 00 00",
        publication_consent=True,
    )
    ResilienceInitiative.objects.create(
        structure=made["atelier"], title="Visières imprimées en 3D", started_on=dt.date(2020, 3, 20)
    )
    return made


def parse_feed(response) -> etree._Element:
    """The feed of a response, checked against RFC 4287's RELAX NG schema and its two
    Schematron rules; fails the test with the validator's messages otherwise."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert SCHEMA.validate(root), str(SCHEMA.error_log)
    entries = root.findall(f"{ATOM}entry")
    # "An atom:feed must have an atom:author unless all of its atom:entry children have one."
    assert root.find(f"{ATOM}author") is not None or all(
        e.find(f"{ATOM}author") is not None for e in entries
    )
    # "An atom:entry must have at least one atom:link element with a rel attribute of
    # 'alternate' or an atom:content."
    for entry in entries:
        assert entry.find(f"{ATOM}content") is not None or any(
            link.get("rel", "alternate") == "alternate" for link in entry.findall(f"{ATOM}link")
        )
    return root


def entry_titles(root) -> list[str]:
    return [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]


@pytest.fixture
def now():
    return timezone.now()
