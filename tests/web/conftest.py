"""Fixtures of the public pages' tests: strict templates, vocabularies, indexed structures."""

import copy

import pytest

from tests.web.builders import build_atlas, load_vocabularies, make_structure


class UnknownTemplateVariable(Exception):
    pass


class _RaiseOnUnknownVariable(str):
    """string_if_invalid that fails the test naming the variable the template could not find.

    Django formats string_if_invalid with the variable's name when it contains '%s'.
    """

    def __contains__(self, item):
        return item == "%s"

    def __mod__(self, variable):
        raise UnknownTemplateVariable(f"Unknown template variable: {variable!r}")


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    # A deep copy: the settings fixture restores the original list, whose dicts must stay
    # untouched so that other test packages keep Django's lenient default.
    templates = copy.deepcopy(settings.TEMPLATES)
    for engine in templates:
        engine.setdefault("OPTIONS", {})["string_if_invalid"] = _RaiseOnUnknownVariable("%s")
    settings.TEMPLATES = templates


@pytest.fixture
def vocabularies(db):
    return load_vocabularies()


@pytest.fixture
def structure_factory(db):
    return make_structure


@pytest.fixture
def lenient_templates(settings):
    """Django's default for unknown variables, for pages this project does not template
    (the admin's own templates rely on missing variables rendering as '')."""
    templates = copy.deepcopy(settings.TEMPLATES)
    for engine in templates:
        engine.get("OPTIONS", {}).pop("string_if_invalid", None)
    settings.TEMPLATES = templates


@pytest.fixture
def atlas(db, vocabularies):
    return build_atlas(vocabularies)
