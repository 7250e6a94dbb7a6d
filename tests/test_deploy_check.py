"""Production settings pass Django's deployment checklist at warning level."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def deploy_check(tmp_path, **overrides):
    # The browser tests allow Django's sync calls from Playwright's event loop in this
    # process; a production process never has that variable.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "MAILLAGE_HTTPS": "true",
        "MAILLAGE_SECRET_KEY": secrets.token_urlsafe(60),
        "MAILLAGE_ALLOWED_HOSTS": "maillage.example.org",
        "MAILLAGE_DATA_DIR": str(tmp_path),
        "MAILLAGE_DEBUG": "false",
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "-m", "maillage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_checklist_catches_plain_http(tmp_path):
    result = deploy_check(tmp_path, MAILLAGE_HTTPS="false")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr
