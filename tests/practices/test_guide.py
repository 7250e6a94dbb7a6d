"""The guide's « Fiches pratiques » chapter, in HTML and in PDF: the published sheets of the
guide's structures with their structure(s), kind, summary and outcomes; never a draft."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from maillage.analyses import dashboard, guide
from maillage.practices.models import PracticeSheet
from maillage.structures.filters import StructureFilters
from tests.analyses.test_guide import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


@pytest.fixture
def sheets(write, atlas):
    write()  # the Fabrique, Nantes (region 52)
    write(
        title="Programme d'accompagnement rural",
        kind=PracticeSheet.Kind.SUPPORT_PROGRAMME,
        summary="Six mois d'accompagnement pour des porteurs de projets ruraux.",
        outcomes="Huit entreprises créées.",
        structures=[atlas["incubateur"]],  # Guingamp, Bretagne (53)
    )
    write(title="Brouillon du guide", status=PracticeSheet.Status.DRAFT)


def _chapter(html: str) -> str:
    start = html.index('<section id="practices">')
    return html[start : html.index("</section>", start)]


def test_the_html_guide_has_the_chapter(sheets):
    insights = dashboard.insights_build(filters=StructureFilters())
    chapter = _chapter(guide.guide_html(insights))
    assert "<h2>Fiches pratiques</h2>" in chapter
    assert "2 pratiques racontées" in chapter
    # By title, each with its kind, structure, summary and outcomes.
    assert chapter.index("Hackathon des mobilités rurales") < chapter.index(
        "Programme d&#x27;accompagnement rural"
    )
    assert "Hackathon · La Fabrique des communs (Nantes) · mars 2024" in chapter
    assert "Deux jours pour prototyper des solutions de covoiturage" in chapter
    assert "Trois prototypes, dont un service de covoiturage" in chapter
    assert "Programme d&#x27;accompagnement · Incubateur du Trégor (Guingamp)" in chapter
    assert "Brouillon du guide" not in chapter


def test_the_pdf_guide_has_the_chapter_and_follows_the_filters(sheets, tmp_path):
    output = tmp_path / "guide.pdf"
    call_command(
        "guide", "-o", str(output), "--region", "53", stdout=io.StringIO(), stderr=io.StringIO()
    )
    _pages, text = pdf_text(output.read_bytes())
    assert "Fiches pratiques" in text
    assert "Programme d'accompagnement rural" in text
    assert "Ce qu'elle a produit : Huit entreprises créées." in text
    # The Fabrique is in region 52: its sheet is not in a guide of Bretagne.
    assert "Hackathon des mobilités rurales" not in text
    assert "Brouillon du guide" not in text


def test_a_guide_without_sheets_says_so(atlas):
    insights = dashboard.insights_build(filters=StructureFilters())
    assert "Aucune fiche pratique publiée" in _chapter(guide.guide_html(insights))
