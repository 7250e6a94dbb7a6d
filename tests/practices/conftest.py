"""Fixtures of the practice sheet tests: the web tests' atlas, people in each role, and
sheets written through the services (as the form does).

The sheets below are invented for the tests; they describe no real event.
"""

import datetime as dt

import pytest

from maillage.contributions.models import StructureManager
from maillage.contributions.roles import EDITORS
from maillage.contributions.services import claim_confirm
from maillage.practices.models import PracticeSheet
from maillage.practices.services import PracticeValues, practice_create
from tests.contributions.conftest import make_user
from tests.web.conftest import (  # noqa: F401  (fixtures)
    _strict_templates,
    atlas,
    lenient_templates,
    vocabularies,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Each test creates several accounts; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_manager(email: str, structure):
    user = make_user(email)
    claim = StructureManager.objects.create(
        user=user, structure=structure, method=StructureManager.Method.EMAIL
    )
    claim_confirm(claim=claim, by=None)
    return user


@pytest.fixture
def editor(db):
    return make_user("editrice@maillage.test", role=EDITORS)


@pytest.fixture
def manager(atlas):  # noqa: F811
    """A confirmed manager of La Fabrique des communs."""
    return make_manager("direction@fabrique-des-communs.example", atlas["fabrique"])


@pytest.fixture
def other_manager(atlas):  # noqa: F811
    """A confirmed manager of the Hub des territoires, unrelated to the Fabrique."""
    return make_manager("equipe@hub-des-territoires.example", atlas["hub"])


@pytest.fixture
def member(db):
    return make_user("membre@exemple.org")


def values(**overrides) -> PracticeValues:
    data = {
        "title": "Hackathon des mobilités rurales",
        "kind": PracticeSheet.Kind.HACKATHON,
        "summary": "Deux jours pour prototyper des solutions de covoiturage entre villages.",
        "body": "## Déroulé\n\nDes équipes mixtes ont **prototypé** des applications.",
        "participants": "Habitants, élus de la communauté de communes, deux start-up.",
        "outcomes": "Trois prototypes, dont un service de covoiturage expérimenté six mois.",
        "started_on": dt.date(2024, 3, 15),
        "ended_on": dt.date(2024, 3, 16),
        "structures": [],
        "status": PracticeSheet.Status.PUBLISHED,
    }
    data.update(overrides)
    return PracticeValues(**data)


@pytest.fixture
def write(editor, atlas, vocabularies):  # noqa: F811
    """write(**overrides) -> a sheet created by the editor, linked to the Fabrique."""

    def written(author=None, **overrides) -> PracticeSheet:
        overrides.setdefault("structures", [atlas["fabrique"]])
        return practice_create(values=values(**overrides), author=author or editor)

    return written
