"""Schemathesis against the live OpenAPI document: no server error, no response that breaks
its own schema, on every endpoint, with generated valid and invalid parameters."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

# Served by the application itself, as a re-user's client would read it.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def in_process_app(settings):
    settings.API_RATE_LIMIT = 1_000_000  # the generated requests must not hit the limit
    cache.clear()
    # As Django's test client does: keep the test's connection (and its transaction) open
    # across the requests the WSGI client makes.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("atlas", "in_process_app")
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # The same examples on every run: generated negative values that serialise to an empty
    # query value (`?audience=`, the same as no value on the wire) made CI pass or fail
    # by chance. What the examples cover is still generated, from a fixed seed.
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_keeps_its_promises(case):
    case.call_and_validate(
        # A client that does not ask for gzip; the compression itself is tested elsewhere.
        headers={"Accept-Encoding": "identity"},
        # Some rules are beyond what OpenAPI can say (a cursor must come from a previous
        # page, a vocabulary value must exist): such requests get a 422 that names the
        # parameter, which this check would count as a schema-valid request refused.
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
