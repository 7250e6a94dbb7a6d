import io
from pathlib import Path

import pytest
from django.core.management import call_command

from maillage.imports.sources import sources_load
from maillage.structures.vocabularies import vocabularies_load
from tests.factories import CommuneFactory, DepartmentFactory, RegionFactory

CSV_HEADER = "name,main_type,commune_code,themes,source,status"


@pytest.fixture
def loaded(db):
    """Vocabularies, sources, and two communes with real INSEE codes and centres."""
    vocabularies_load()
    sources_load()
    nantes = CommuneFactory(nantes=True, latitude=47.2316, longitude=-1.5483)
    ile_de_france = RegionFactory(code="11", name="Île-de-France")
    paris = CommuneFactory(
        code="75056",
        name="Paris",
        department=DepartmentFactory(code="75", name="Paris", region=ile_de_france),
        epci=None,
        population=2_100_000,
        postcodes="75001 75010 75011",
        latitude=48.8589,
        longitude=2.347,
    )
    return {"nantes": nantes, "paris": paris}


@pytest.fixture
def write(tmp_path):
    """write(name, text or bytes) → the path of a file in a temporary folder."""

    def write_file(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_bytes(content.encode(encoding))
        else:
            path.write_bytes(content)
        return path

    return write_file


@pytest.fixture
def run_command():
    """run_command("import", path, "--dry-run") → its standard output."""

    def run(*args) -> str:
        out = io.StringIO()
        call_command(*[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
        return out.getvalue()

    return run
