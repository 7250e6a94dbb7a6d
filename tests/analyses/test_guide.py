"""The guide, as PDF and HTML, from the command and the functions: valid, readable, right."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from maillage.analyses import dashboard, guide
from maillage.structures.filters import StructureFilters

pypdf = pytest.importorskip("pypdf")


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return len(reader.pages), re.sub(r"\s+", " ", text)


def test_the_pdf_is_valid_and_its_figures_match(known):
    insights = dashboard.insights_build(filters=StructureFilters())
    data = guide.guide_pdf(guide.guide_html(insights))
    assert data.startswith(b"%PDF-")
    pages, text = pdf_text(data)
    assert pages >= 8
    assert "Structures d'innovation ouverte" in text
    assert "Méthode et sources" in text
    # The sentences with their computed numbers, as on the page.
    assert "75 % des structures sont dans une métropole, qui rassemble 80 % de la population" in (
        text
    )
    assert "18,2 % de la population (91 000 habitants, 2 communes)" in text
    assert "4 structures publiées, dans 2 régions" in text
    # The annex lists the published structures only.
    assert "Atelier A" in text and "Incubateur D" in text
    assert "Projet E" not in text and "Ancien F" not in text


def test_the_command_writes_a_filtered_pdf_with_progress(known, tmp_path):
    output = tmp_path / "guide.pdf"
    out, err = io.StringIO(), io.StringIO()
    call_command("guide", "-o", str(output), "--region", "53", stdout=out, stderr=err)
    assert "[1/3]" in err.getvalue() and "[3/3]" in err.getvalue()
    assert "Guide écrit" in out.getvalue()
    _pages, text = pdf_text(output.read_bytes())
    assert "Région : Bretagne" in text
    assert "Incubateur D" in text and "Atelier A" not in text


def test_the_command_writes_html(known, tmp_path):
    output = tmp_path / "guide.html"
    call_command(
        "guide", "-o", str(output), "--theme", "sante", stdout=io.StringIO(), stderr=io.StringIO()
    )
    html = output.read_text()
    assert "Thématique : Santé" in html
    assert html.count('role="img"') >= 15


def test_the_command_refuses_bad_input(known, tmp_path):
    with pytest.raises(CommandError, match="theme"):
        call_command("guide", "-o", str(tmp_path / "g.pdf"), "--theme", "inconnue")
    with pytest.raises(CommandError, match=".pdf ou .html"):
        call_command("guide", "-o", str(tmp_path / "g.docx"))


def test_an_empty_selection_still_makes_a_guide(known, tmp_path):
    output = tmp_path / "empty.pdf"
    call_command(
        "guide",
        "-o",
        str(output),
        "--theme",
        "tourisme",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    _pages, text = pdf_text(output.read_bytes())
    assert "Aucune structure publiée ne correspond à cette sélection" in text
