import pytest
from django.core.cache import cache, caches
from django.utils import timezone

from maillage.referential.loading import referential_load
from maillage.referential.models import Epci
from maillage.referential.resolution import CommuneResolver
from maillage.structures import version_cache
from maillage.structures.models import ResilienceInitiative, Structure, Term
from maillage.structures.text_search import structure_search_refresh
from tests.factories import (
    CommuneFactory,
    DepartmentFactory,
    EpciFactory,
    RegionFactory,
    StructureFactory,
    TermFactory,
)


@pytest.fixture(scope="session")
def referential(django_db_setup, django_db_blocker) -> dict[str, int]:
    """The bundled referential (35,000 communes), loaded once per session outside any test
    transaction. Tests marked `django_db(transaction=True)` flush the database and remove it.
    """
    with django_db_blocker.unblock():
        return referential_load()


@pytest.fixture(scope="session")
def resolver(referential, django_db_blocker) -> CommuneResolver:
    with django_db_blocker.unblock():
        return CommuneResolver()


@pytest.fixture(autouse=True)
def _data_dir_in_tmp(settings, tmp_path):
    # Files a test writes (exports, backups) go to its own folder, never the project's var/.
    settings.DATA_DIR = tmp_path / "var"
    settings.DATA_DIR.mkdir()


@pytest.fixture(autouse=True)
def _published_files_at_once(settings):
    # A thread writing the downloads would not see the data of a test's transaction;
    # tests/web/test_data_page.py turns it back on where it tests it.
    settings.PUBLISHED_FILES_IN_BACKGROUND = False
    # Editions' files likewise (tests/contributions/test_edition_writer.py tests the thread).
    settings.EDITIONS_IN_BACKGROUND = False
    # The insights kept for /enseignements/ likewise (tests/web/test_insights_kept.py).
    settings.INSIGHTS_IN_BACKGROUND = False
    # The map's payload likewise (tests/web/test_map_kept.py).
    settings.MAP_IN_BACKGROUND = False
    # The data version kept between notifications (PostgreSQL): a test's writes are seen at
    # once, without waiting for a thread (tests/structures/test_version_watch.py tests it).
    settings.DATA_VERSION_LISTEN = False


@pytest.fixture(autouse=True)
def _empty_cache():
    # Kept pages and answers are keyed by the data version, but a test may change settings
    # that a page shows: each test starts from an empty cache.
    cache.clear()
    caches["pages"].clear()
    # What the process keeps per data version (vocabularies, names): test databases are
    # rolled back to the same version between tests.
    version_cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs `collectstatic`; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def atlas(db):
    """Four structures whose expected answers are spelled out in each test."""
    fablab = TermFactory(kind=Term.Kind.TYPE, slug="fablab", label_fr="Fablab")
    living_lab = TermFactory(kind=Term.Kind.TYPE, slug="living-lab", label_fr="Living lab")
    mobility = TermFactory(slug="mobilite", label_fr="Mobilité")
    health = TermFactory(slug="sante", label_fr="Santé")
    nantes = CommuneFactory(nantes=True)  # Pays de la Loire, métropole, 100k+
    # A fictitious region, department, EPCI and commune (codes no real territory has), so the
    # answers hold whether or not the real referential is loaded in the test database.
    elsewhere = RegionFactory(code="99", name="Région d'essai")
    rural = CommuneFactory(
        code="99001",
        name="Bourg rural",
        population=900,
        department=DepartmentFactory(code="99", name="Département d'essai", region=elsewhere),
        epci=EpciFactory(code="999999999", name="CC rurale", kind=Epci.Kind.COMMUNAUTE_COMMUNES),
        latitude=48.4,
        longitude=-2.8,
    )
    made = {
        "a": StructureFactory(name="A", main_type=fablab, commune=nantes, themes=[mobility]),
        "b": StructureFactory(
            name="B", main_type=fablab, commune=nantes, themes=[mobility, health]
        ),
        "c": StructureFactory(
            name="C",
            main_type=living_lab,
            commune=rural,
            latitude=48.4,
            longitude=-2.8,
            themes=[health],
            last_verified_at=timezone.now(),
        ),
        "d": StructureFactory(
            name="D", main_type=living_lab, commune=rural, latitude=48.41, longitude=-2.81
        ),
    }
    made["d"].secondary_types.set([fablab])
    ResilienceInitiative.objects.create(structure=made["c"], title="Visières imprimées en 3D")
    structure_search_refresh(structures=Structure.objects.all())
    return made
