"""20 writer processes × 100 edits on one SQLite file: every edit stored, no lock error."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRITERS, EDITS = 20, 100


def run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, **kwargs
    )


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'concurrency.sqlite3'}",
        "MAILLAGE_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "maillage.settings",
    }
    migrated = run(["-m", "maillage", "migrate", "--no-input"], env)
    assert migrated.returncode == 0, migrated.stderr
    seeded = run(
        [
            "-m",
            "maillage",
            "shell",
            "--no-imports",
            "-c",
            "from maillage.structures.models import Term; "
            "Term.objects.create(kind='theme', slug='counter', label_fr='c', label_en='c')",
        ],
        env,
    )
    assert seeded.returncode == 0, seeded.stderr

    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.concurrent_writer", str(w), str(EDITS)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    errors = []
    for writer in writers:
        _, stderr = writer.communicate(timeout=300)
        if writer.returncode != 0:
            errors.append(stderr[-2000:])
    assert not errors, errors[0]

    counted = run(
        [
            "-m",
            "maillage",
            "shell",
            "--no-imports",
            "-c",
            "from maillage.structures.models import Term; "
            "print(Term.objects.filter(slug__startswith='w').count(), "
            "Term.objects.get(slug='counter').position)",
        ],
        env,
    )
    assert counted.stdout.split() == [str(WRITERS * EDITS), str(WRITERS * EDITS)]
