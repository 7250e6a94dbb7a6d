import pytest

from tests.network.builders import build_network
from tests.web.builders import load_vocabularies
from tests.web.conftest import _strict_templates  # noqa: F401  (unknown variables fail)


@pytest.fixture
def vocabularies(db):
    return load_vocabularies()


@pytest.fixture
def network(vocabularies):
    return build_network(vocabularies)
