"""An import killed with SIGKILL halfway leaves the database as it was; running it again
completes it. Runs `maillage import` in a real process against a real database: an SQLite
file, and a PostgreSQL database of its own when the suite runs on PostgreSQL."""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000
COMMUNES = ["44109", "35238", "69123", "13055", "31555", "33063", "59350", "67482"]
# What the import must have written, uncommitted, before it is killed.
WRITTEN_BYTES = 1_000_000
# Committed state compared before and after: structures (count and latest change), their
# themes, and the changelog of imports.
STATE_SQL = (
    "SELECT count(*), max(updated_at) FROM structures_structure",
    "SELECT count(*) FROM structures_structure_themes",
    "SELECT count(*) FROM imports_importrun",
)


def synthetic_csv(path: Path) -> None:
    """Clearly synthetic rows in Maillage's own format (never real structures)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["name", "main_type", "commune_code", "source", "source_record_id"])
        for number in range(ROWS):
            writer.writerow(
                [
                    f"[Synthétique] Atelier numéro {number}",
                    "fablab",
                    COMMUNES[number % len(COMMUNES)],
                    "maillage",
                    f"synthetic-{number}",
                ]
            )


class SqliteDatabase:
    """A database file in the test's folder; the import's progress shows in its WAL."""

    def __init__(self, tmp_path: Path):
        self.path = tmp_path / "maillage.sqlite3"
        self.url = f"sqlite:///{self.path}"

    def state(self) -> tuple:
        with sqlite3.connect(self.path) as connection:
            rows = tuple(connection.execute(sql).fetchone() for sql in STATE_SQL)
            return (*rows, connection.execute("PRAGMA integrity_check").fetchone())

    def written(self) -> int:
        wal = self.path.with_name(self.path.name + "-wal")
        return wal.stat().st_size if wal.exists() else 0

    def drop(self) -> None:
        pass


class PostgresDatabase:
    """A database of its own on the suite's PostgreSQL server (`<name>_killed_import`);
    the import's uncommitted rows show in the size of the structures' table."""

    def __init__(self, tmp_path: Path):
        import psycopg

        self.psycopg = psycopg
        config = settings.DATABASES["default"]
        self.name = f"{config['NAME']}_killed_import"
        self.server_kwargs = {
            "host": config.get("HOST") or "127.0.0.1",
            "port": config.get("PORT") or 5432,
            "user": config.get("USER") or "postgres",
            "password": config.get("PASSWORD") or None,
        }
        user = self.server_kwargs["user"]
        password = f":{self.server_kwargs['password']}" if self.server_kwargs["password"] else ""
        host, port = self.server_kwargs["host"], self.server_kwargs["port"]
        self.url = f"postgres://{user}{password}@{host}:{port}/{self.name}"
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.baseline = None

    def _admin(self, sql: str) -> None:
        with self.psycopg.connect(dbname="postgres", autocommit=True, **self.server_kwargs) as c:
            c.execute(sql)

    def _query(self, sql: str):
        with self.psycopg.connect(dbname=self.name, autocommit=True, **self.server_kwargs) as c:
            return c.execute(sql).fetchone()

    def state(self) -> tuple:
        # Committed rows only: what any other session (and the next process) sees.
        return tuple(self._query(sql) for sql in STATE_SQL)

    def written(self) -> int:
        # Uncommitted rows already take pages of the table (and of its indexes).
        size = self._query("SELECT pg_total_relation_size('structures_structure')")[0]
        if self.baseline is None:
            self.baseline = size
        return size - self.baseline

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "postgresql" and not _on_postgresql():
        pytest.skip("runs when the suite runs on PostgreSQL (DATABASE_URL=postgres://…)")
    made = SqliteDatabase(tmp_path) if request.param == "sqlite" else PostgresDatabase(tmp_path)
    yield made
    made.drop()


@pytest.mark.slow
def test_a_killed_import_changes_nothing_and_can_be_run_again(database, tmp_path):
    env = {**os.environ, "DATABASE_URL": database.url, "MAILLAGE_DATA_DIR": str(tmp_path)}
    maillage = [sys.executable, "-m", "maillage"]
    for command in (["migrate", "--no-input"], ["load_default_data"]):
        done = subprocess.run(
            [*maillage, *command], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    before = database.state()
    database.written()  # the size before the import, on PostgreSQL

    rows = tmp_path / "synthetique.csv"
    synthetic_csv(rows)
    importing = subprocess.Popen(
        [*maillage, "import", str(rows)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the import is writing its batch, then kill it outright (no cleanup runs).
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and importing.poll() is None:
        if database.written() > WRITTEN_BYTES:
            break
        time.sleep(0.02)
    assert importing.poll() is None, "the import finished before it could be killed"
    assert database.written() > WRITTEN_BYTES, "the import wrote nothing in time"
    importing.send_signal(signal.SIGKILL)
    importing.wait()

    assert database.state() == before

    again = subprocess.run(
        [*maillage, "import", str(rows)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    after = database.state()
    assert after[0][0] == before[0][0] + ROWS
    assert after[2][0] == before[2][0] + 1  # one import in the changelog
    if isinstance(database, SqliteDatabase):
        assert after[3] == ("ok",)
