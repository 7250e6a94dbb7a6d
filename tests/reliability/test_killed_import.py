"""An import killed with SIGKILL halfway leaves the database as it was; running it again
completes it. Runs `maillage import` in a real process against a real SQLite file."""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000
COMMUNES = ["44109", "35238", "69123", "13055", "31555", "33063", "59350", "67482"]


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


def state(database: Path) -> tuple:
    with sqlite3.connect(database) as connection:
        return (
            connection.execute(
                "SELECT count(*), max(updated_at) FROM structures_structure"
            ).fetchone(),
            connection.execute("SELECT count(*) FROM structures_structure_themes").fetchone(),
            connection.execute("PRAGMA integrity_check").fetchone(),
        )


@pytest.mark.slow
def test_a_killed_import_changes_nothing_and_can_be_run_again(tmp_path):
    database = tmp_path / "maillage.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MAILLAGE_DATA_DIR": str(tmp_path),
    }
    maillage = [sys.executable, "-m", "maillage"]
    loaded = subprocess.run(
        [*maillage, "migrate", "--no-input"], env=env, cwd=ROOT, capture_output=True
    )
    assert loaded.returncode == 0, loaded.stderr
    loaded = subprocess.run(
        [*maillage, "load_default_data"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    before = state(database)

    rows = tmp_path / "synthetique.csv"
    synthetic_csv(rows)
    importing = subprocess.Popen(
        [*maillage, "import", str(rows)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the import is writing (its write-ahead log grows), then kill it outright.
    wal = database.with_name(database.name + "-wal")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and importing.poll() is None:
        if wal.exists() and wal.stat().st_size > 1_000_000:
            break
        time.sleep(0.02)
    assert importing.poll() is None, "the import finished before it could be killed"
    importing.send_signal(signal.SIGKILL)
    importing.wait()

    assert state(database) == before

    again = subprocess.run(
        [*maillage, "import", str(rows)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    (count, _), _, integrity = state(database)
    assert count == before[0][0] + ROWS
    assert integrity == ("ok",)
