"""Fixtures of the contribution tests: strict templates, a small atlas, people in each role,
and a browser's answer to the proof-of-work challenge (computed by brute force on a
low-cost challenge, never skipped)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

from maillage.contributions import spam
from maillage.contributions.models import StructureManager
from maillage.contributions.roles import ADMINISTRATORS, EDITORS, MODERATORS, user_role_set
from maillage.contributions.services import claim_confirm
from tests.factories import CommuneFactory
from tests.web.conftest import (  # noqa: F401  (fixtures)
    _strict_templates,
    atlas,
    lenient_templates,
    structure_factory,
    vocabularies,
)


@pytest.fixture(autouse=True)
def _contribution_settings(settings):
    settings.ALTCHA_MAX_NUMBER = 20
    settings.ALTCHA_COST = 10
    settings.SITE_URL = "https://maillage.test"
    settings.MODERATOR_EMAILS = []
    cache.clear()
    yield
    cache.clear()
    # The communes' factory numbers its codes 44200, 44201…: restarting it after each test
    # keeps the codes five characters long however many tests run.
    CommuneFactory.reset_sequence()


@pytest.fixture
def solve(client):
    """solve(client=None) -> the form value of a freshly solved challenge."""

    def solved(for_client=None) -> str:
        response = (for_client or client).get(reverse("contributions:challenge"))
        assert response.status_code == 200
        return spam.challenge_solve(response.json())

    return solved


def make_user(email: str, *, role: str | None = None, password: str = "un-mot-de-passe-long"):
    user = get_user_model().objects.create_user(
        username=email, email=email, password=password, first_name="Prénom", last_name="Nom"
    )
    if role:
        user_role_set(user=user, role=role)
    return user


@pytest.fixture
def moderator(db):
    return make_user("moderatrice@maillage.test", role=MODERATORS)


@pytest.fixture
def editor(db):
    return make_user("editeur@maillage.test", role=EDITORS)


@pytest.fixture
def administrator(db):
    return make_user("admin@maillage.test", role=ADMINISTRATORS)


@pytest.fixture
def member(db):
    """Someone with an account and no role."""
    return make_user("membre@exemple.org")


@pytest.fixture
def manager(db, atlas):  # noqa: F811  (the atlas fixture)
    """A confirmed manager of La Fabrique des communs."""
    user = make_user("direction@fabrique-des-communs.example")
    claim = StructureManager.objects.create(
        user=user, structure=atlas["fabrique"], method=StructureManager.Method.EMAIL
    )
    claim_confirm(claim=claim, by=None)
    return user


def proposal_data(**overrides) -> dict:
    data = {
        "name": "Atelier partagé de Rezé",
        "acronym": "APR",
        "main_type": "fablab",
        "secondary_types": ["tiers-lieu"],
        "short_description": "Un atelier de fabrication ouvert à tous.",
        "description": "Imprimantes 3D et découpe laser.",
        "address": "3 rue du Port",
        "postcode": "44000",
        "commune": "Nantes",
        "website": "https://atelier-reze.example",
        "themes": ["mobilite"],
        "formats": ["prototypage"],
        "proposer_name": "Alex Contributeur",
        "proposer_email": "alex@exemple.org",
        "message": "Vu sur place en mars.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
