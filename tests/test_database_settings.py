"""The database settings that DATABASE_URL and the environment give a process."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_options(**environment) -> dict:
    """The OPTIONS of the default database in a fresh process with this environment."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "maillage.settings", **environment},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_postgresql_prepares_statements_and_keeps_the_urls_options():
    options = database_options(
        DATABASE_URL="postgres://maillage@db.example.org:5432/maillage?sslmode=require",
        MAILLAGE_DATABASE_PREPARED_STATEMENTS="true",
    )
    assert options == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "sslmode": "require",
    }


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    options = database_options(
        DATABASE_URL="postgres://maillage@pgbouncer.example.org:6432/maillage?sslmode=require",
        MAILLAGE_DATABASE_PREPARED_STATEMENTS="false",
    )
    assert options == {"sslmode": "require"}
