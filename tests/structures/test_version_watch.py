"""On PostgreSQL a process keeps the data version between two notifications of a change
(maillage.structures.version_watch): a kept answer costs no query, and a committed write
is still seen by the next requests."""

import time

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from maillage.structures import version_watch
from maillage.structures.data_version import data_version, data_version_ensure
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db(transaction=True)


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context)


def _commit_elsewhere(sql: str, params=()) -> None:
    """A write committed by another connection, as another server process would."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        other.close()


@pytest.fixture
def watch(settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite reads its version in the process")
    settings.DATA_VERSION_LISTEN = True
    settings.ANSWER_CACHE = True
    monkeypatch.setattr(version_watch, "RETRY", 0.1)
    watch = version_watch.watch_for("default")
    watch.version(data_version)  # starts its thread
    assert _until(lambda: watch.listening), "the process never started listening"
    yield watch
    version_watch.stop_all()


def _name(client, structure) -> str:
    return client.get(f"/api/v1/structures/{structure.uid}").json()["name"]


def test_a_kept_answer_costs_no_query_and_a_change_is_seen(
    client, atlas, watch, django_assert_num_queries
):
    assert _name(client, atlas["a"]) == "A"
    with django_assert_num_queries(0):
        assert _name(client, atlas["a"]) == "A"

    _commit_elsewhere(
        "UPDATE structures_structure SET name = %s WHERE id = %s", ["A renommée", atlas["a"].pk]
    )

    assert _until(lambda: _name(client, atlas["a"]) == "A renommée", seconds=2)
    # Once the thread has read the notification, the new version is kept in turn.
    assert _until(lambda: _queries(lambda: _name(client, atlas["a"])) == 0, seconds=2)
    assert _name(client, atlas["a"]) == "A renommée"


def test_a_write_of_this_process_is_seen_too(client, atlas, watch):
    assert _name(client, atlas["b"]) == "B"
    Structure.objects.filter(pk=atlas["b"].pk).update(name="B renommée")
    assert _until(lambda: _name(client, atlas["b"]) == "B renommée", seconds=2)


def test_a_version_read_before_a_commit_is_not_kept_after_it(atlas, watch):
    before = data_version()

    def read_then_someone_writes() -> str:
        version = data_version()
        seen = watch._notifications
        _commit_elsewhere("UPDATE structures_term SET label_en = 'x' WHERE slug = 'sante'")
        assert _until(lambda: watch._notifications != seen)
        return version

    assert watch.version(read_then_someone_writes) == before
    assert watch.version(data_version) != before
    assert watch.version(data_version) == data_version()


def test_with_the_listening_connection_lost_every_request_reads_the_version(client, atlas, watch):
    assert _name(client, atlas["a"]) == "A"
    _commit_elsewhere(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
        ["maillage data version watch"],
    )
    assert _until(lambda: not watch.listening)
    _commit_elsewhere(
        "UPDATE structures_structure SET name = %s WHERE id = %s", ["A coupée", atlas["a"].pk]
    )
    # Nothing notified this process (its connection was gone): it reads the version.
    assert _name(client, atlas["a"]) == "A coupée"

    # It listens again, and keeps again.
    assert _until(lambda: watch.listening)
    assert _name(client, atlas["a"]) == "A coupée"
    assert _until(lambda: _queries(lambda: _name(client, atlas["a"])) == 0, seconds=2)


def test_without_the_trigger_nothing_is_kept(client, atlas, settings, monkeypatch):
    """A database not migrated since the trigger came: never trusted to notify."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    settings.DATA_VERSION_LISTEN = True
    settings.ANSWER_CACHE = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {version_watch.NOTIFY_TRIGGER} ON structures_dataversion")
    try:
        watch = version_watch.watch_for("default")
        assert _name(client, atlas["c"]) == "C"
        time.sleep(0.3)
        assert not watch.listening
        _commit_elsewhere(
            "UPDATE structures_structure SET name = %s WHERE id = %s", ["C bis", atlas["c"].pk]
        )
        assert _name(client, atlas["c"]) == "C bis"
    finally:
        version_watch.stop_all()
        data_version_ensure(connection)


def test_sqlite_reads_its_version_in_the_process(settings):
    settings.DATA_VERSION_LISTEN = True
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert version_watch.watch_for("default") is None
