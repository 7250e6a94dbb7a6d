"""The guard itself: a template naming an unknown variable fails the test that renders it."""

import pytest
from django.template import engines

from tests.web.conftest import UnknownTemplateVariable


def test_unknown_variable_fails():
    template = engines["django"].from_string("Hello {{ nobody.name }}")
    with pytest.raises(UnknownTemplateVariable, match="nobody.name"):
        template.render({})


def test_if_on_a_missing_variable_stays_allowed():
    template = engines["django"].from_string("{% if nobody %}x{% endif %}ok")
    assert template.render({}) == "ok"
