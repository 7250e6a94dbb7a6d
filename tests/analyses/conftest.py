import pytest
from django.utils import translation

from tests.analyses.builders import build_known_atlas


@pytest.fixture(autouse=True)
def _french():
    # Expected sentences are French; another test may leave English active on the thread.
    with translation.override("fr"):
        yield


@pytest.fixture
def known(db):
    return build_known_atlas()
