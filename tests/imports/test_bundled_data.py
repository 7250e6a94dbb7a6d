"""The data shipped with Maillage, against the real referential."""

import pytest
from django.conf import settings
from django.core.management import call_command

from maillage.imports.pipeline import run_import
from maillage.imports.sources import sources_load
from maillage.referential.loading import referential_load
from maillage.referential.models import Commune, CommuneAlias, Department, Epci, Region
from maillage.structures.models import Source, Structure, Term
from maillage.structures.vocabularies import vocabularies_load

CENSUS = settings.BUNDLED_DATA_DIR / "tiers-lieux-cget-2019" / "tiers-lieux-2019.csv"


@pytest.fixture(scope="module")
def real_referential(django_db_setup, django_db_blocker):
    """The bundled referential, loaded once for this module and removed after it."""
    with django_db_blocker.unblock():
        referential_load()
        vocabularies_load()
        sources_load()
    yield
    with django_db_blocker.unblock():
        for model in (Structure, CommuneAlias, Commune, Epci, Department, Region, Term, Source):
            model.objects.all().delete()


@pytest.mark.django_db
def test_census_dry_run_gives_every_row_a_commune(real_referential):
    report = run_import(path=CENSUS, dry_run=True)
    assert report.profile == "cget-tiers-lieux-2019"
    assert len(report.created) == 1512 and not report.rejected
    assert not Structure.objects.exists()


@pytest.mark.django_db
def test_load_default_data_then_force_changes_nothing(real_referential, capsys):
    call_command("load_default_data")
    census = Structure.objects.filter(source__slug="cget-tiers-lieux-2019")
    assert census.count() == 1512
    assert not census.filter(commune=None).exists()
    assert not census.filter(last_verified_at__isnull=False).exists()
    assert set(census.values_list("status", flat=True)) == {"published"}
    assert census.filter(geo_source__startswith="Géocodage CGET 2019 (score").count() > 1400
    total = Structure.objects.count()
    call_command("load_default_data", "--force")
    output = capsys.readouterr().out
    assert "1512 enregistrements lus : 0 créés, 0 modifiés, 1512 inchangés" in output
    assert Structure.objects.count() == total
