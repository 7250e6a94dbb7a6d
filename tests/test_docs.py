"""Documentation kept honest: every environment variable the code reads is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.environ\[|os\.getenv|env_bool|env_list|env_int)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def variables_read_by_the_code() -> set[str]:
    found = set()
    for path in (ROOT / "maillage").rglob("*.py"):
        found |= set(ENV_READ.findall(path.read_text(encoding="utf-8")))
    found.discard("DJANGO_SETTINGS_MODULE")
    return found


def test_the_code_reads_environment_variables():
    assert {"DATABASE_URL", "MAILLAGE_DEBUG", "MAILLAGE_SECRET_KEY"} <= variables_read_by_the_code()


def test_every_environment_variable_is_documented():
    documented = set(
        re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/configuration.md").read_text())
    )
    missing = variables_read_by_the_code() - documented
    assert not missing, f"Document these variables in docs/configuration.md: {sorted(missing)}"
