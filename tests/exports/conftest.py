import pytest

from maillage.imports.sources import sources_load
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Term,
    ValueExample,
)
from maillage.structures.vocabularies import vocabularies_load
from tests.factories import CommuneFactory, StructureFactory


@pytest.fixture
def structures(db):
    """Published structures with every kind of value, one pending, one with a formula name."""
    vocabularies_load()
    sources_load()
    nantes = CommuneFactory(nantes=True, latitude=47.2316, longitude=-1.5483)
    theme = Term.objects.get(kind="theme", slug="mobilite")
    full = StructureFactory(
        name="Atelier partagé",
        acronym="AP",
        siret="12345678900012",
        description="Deux lignes,\navec « guillemets » ; et point-virgule",
        commune=nantes,
        website="https://atelier.example.org/",
        year_founded=2014,
        themes=[theme, Term.objects.get(kind="theme", slug="sante")],
    )
    full.formats.set([Term.objects.get(kind="format", slug="prototypage")])
    NamedPartner.objects.create(
        structure=full,
        name="Nantes Métropole",
        kind=Term.objects.get(kind="actor", slug="collectivites"),
    )
    ValueExample.objects.create(structure=full, title="Visières", description="10 000 pièces")
    ResilienceInitiative.objects.create(
        structure=full,
        title="Masques",
        category=Term.objects.get(kind="resilience", slug="solidarite"),
    )
    Contact.objects.create(
        structure=full, name="Jeanne Public", email="jeanne@example.org", publication_consent=True
    )
    Contact.objects.create(
        structure=full, name="Paul Privé", email="paul@example.org", publication_consent=False
    )
    formula = StructureFactory(name='=HYPERLINK("http://evil")', acronym="+33", commune=nantes)
    pending = StructureFactory(name="En attente", status="pending", commune=nantes)
    return {"full": full, "formula": formula, "pending": pending}
