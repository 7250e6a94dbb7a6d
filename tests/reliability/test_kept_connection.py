"""A kept database connection that the server cut (a restart, a failover, an idle timeout)
is replaced before a request uses it: the visitor gets the answer, not an error.

The data version read, first query of every API request and cached page, stands in for
Django's health check (maillage.structures.data_version.data_version_checking_connection);
these tests hold it to the same promise.
"""

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db(transaction=True)


def _cut_by_the_server() -> None:
    """Ends this connection's server process from another connection, as a restart does."""
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def _next_request() -> None:
    """What the start of a request does to a kept connection under a real server (the test
    client leaves the connection as it is between requests)."""
    connection.close_if_unusable_or_obsolete()


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("only a database server can cut a connection")


@pytest.mark.parametrize("cached", [False, True], ids=["computed", "cached"])
def test_an_api_answer_after_the_server_cut_the_kept_connection(
    client, atlas, postgresql_only, cached, settings
):
    settings.ANSWER_CACHE = True
    url = f"/api/v1/structures/{atlas['a'].uid}"
    if cached:
        assert client.get(url).status_code == 200
    else:
        assert client.get("/api/v1/territories/regions").status_code == 200
    _cut_by_the_server()
    _next_request()

    response = client.get(url)

    assert response.status_code == 200
    assert response.json()["name"] == "A"


def test_a_public_page_after_the_server_cut_the_kept_connection(client, atlas, postgresql_only):
    assert client.get("/").status_code == 200
    _cut_by_the_server()
    _next_request()

    response = client.get(f"/structures/{atlas['a'].slug}/")

    assert response.status_code == 200
    assert "A" in response.content.decode()
