"""Migrating back before the facet table removes it, and nothing puts it back until the
migration that creates it runs again."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _objects(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master")}


@pytest.mark.slow
def test_migrating_back_before_the_facet_table_leaves_it_out(tmp_path):
    database = tmp_path / "rollback.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MAILLAGE_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "maillage.settings",
    }

    def migrate(*target: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "maillage", "migrate", "--no-input", *target],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr

    migrate()
    assert "structures_themefacet" in _objects(database)
    migrate("structures", "0007")
    assert not {name for name in _objects(database) if "themefacet" in name}
    migrate()
    assert "structures_themefacet" in _objects(database)
