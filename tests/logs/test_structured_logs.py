"""Logs are structured (one JSON object per line) and carry no personal data: what a
contributor or someone logging in typed never reaches them, while the events do."""

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from maillage.contributions.models import Proposal
from maillage.contributions.services import proposal_accept
from maillage.imports.sources import sources_load
from tests.contributions.conftest import proposal_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "alex.martin@exemple.org"
PHONE = "06 12 34 56 78"
PASSWORD = "mon-mot-de-passe-secret-42"
# Every way the personal values could appear in a line.
PERSONAL = [EMAIL, "alex.martin", "exemple.org", PHONE, "0612345678", "06.12", PASSWORD]


def test_a_contribution_and_a_failed_login_leave_events_and_no_personal_data(
    client, atlas, solve, moderator, log_output, django_capture_on_commit_callbacks
):
    data = proposal_data(
        proposer_email=EMAIL,
        message=f"Appelez-moi au {PHONE} ou écrivez à {EMAIL}.",
        description=f"Contact : {EMAIL}, {PHONE}.",
    )
    data["altcha"] = solve()
    with django_capture_on_commit_callbacks(execute=True):
        proposed = client.post(reverse("contributions:propose"), data)
    assert proposed.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        proposal_accept(proposal=Proposal.objects.get(), moderator=moderator)
    # Personal values in a query string and in a path (a 404, which Django logs too).
    assert client.get("/recherche/", {"q": EMAIL}).status_code == 200
    assert client.get(f"/structures/{EMAIL}/").status_code == 404
    assert client.get("/structures/0612345678/").status_code == 404
    failed = client.post(reverse("contributions:login"), {"username": EMAIL, "password": PASSWORD})
    assert failed.status_code == 200  # the form again, with its error

    text = log_output.text
    for value in PERSONAL:
        assert value not in text
    lines = log_output.lines()  # every line is JSON

    requests = log_output.events("http.request")
    by_path = {(line["method"], line["path"], line["status"]) for line in requests}
    assert ("POST", "/contribuer/", 302) in by_path
    assert ("GET", "/recherche/", 200) in by_path
    assert ("GET", "/structures/[email]/", 404) in by_path
    assert ("GET", "/structures/[phone]/", 404) in by_path
    assert ("POST", "/compte/connexion/", 200) in by_path
    search = next(line for line in requests if line["path"] == "/recherche/")
    assert search["query"] == ["q"]
    for line in requests:
        assert line["duration_ms"] >= 0
        assert len(line["request_id"]) == 32
    assert failed["X-Request-ID"] == requests[-1]["request_id"]

    (submitted,) = log_output.events("proposal.submitted")
    assert submitted["kind"] == "new"
    (accepted,) = log_output.events("proposal.accepted")
    assert accepted["proposal"] == submitted["proposal"]
    sent = {(line["template"], line["recipients"]) for line in log_output.events("email.sent")}
    assert sent == {("proposal_received", 1), ("proposal_decided", 1)}
    (login_failed,) = log_output.events("auth.login_failed")
    assert login_failed["level"] == "WARNING"
    assert login_failed["request_id"] == failed["X-Request-ID"]  # tied to its request
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert {line["message"] for line in not_found} == {
        "Not Found: /structures/[email]/",
        "Not Found: /structures/[phone]/",
    }


def test_secret_url_parameters_are_logged_by_name(client, atlas, log_output):
    client.get("/compte/activer/MQ/cv1b2c-0123456789abcdef0123456789abcdef/")
    client.get("/compte/mot-de-passe/MQ/set-password/")
    paths = [line["path"] for line in log_output.events("http.request")]
    assert paths == ["/compte/activer/<uidb64>/<token>/", "/compte/mot-de-passe/<uidb64>/<token>/"]


def test_a_request_id_from_the_proxy_is_kept_and_a_forged_one_replaced(client, atlas, log_output):
    kept = client.get("/", headers={"X-Request-ID": "proxy-4f1c2e9a"})
    forged = client.get("/", headers={"X-Request-ID": 'x" injected\n{"level": "ERROR"}'})
    assert kept["X-Request-ID"] == "proxy-4f1c2e9a"
    assert forged["X-Request-ID"] != 'x" injected\n{"level": "ERROR"}'
    ids = [line["request_id"] for line in log_output.events("http.request")]
    assert ids == ["proxy-4f1c2e9a", forged["X-Request-ID"]]


def test_messages_extras_and_tracebacks_are_redacted(log_output):
    logger = logging.getLogger("maillage.tests")
    logger.warning(
        "Échec pour %s depuis %s (tél. %s)",
        EMAIL,
        "203.0.113.7",
        "+33 6 12 34 56 78",
        extra={"data": {"email": "x@y.fr", "note": f"rappeler {PHONE}", "count": 3}},
    )
    logger.info("headers: Cookie: sessionid=abcdef123456; csrftoken=xyz987654")
    logger.info("POST password=%s&next=/", PASSWORD)
    try:
        raise ValueError(f"duplicate key (email)=({EMAIL}) from 2001:db8::7334")
    except ValueError:
        logger.exception("import failed")
    first, cookie, form, failure = log_output.lines()
    assert first["message"] == "Échec pour [email] depuis [ip] (tél. [phone])"
    assert (first["email"], first["note"], first["count"]) == ("[redacted]", "rappeler [phone]", 3)
    assert "abcdef123456" not in cookie["message"] and "xyz987654" not in cookie["message"]
    assert form["message"] == "POST password=[redacted]&next=/"
    assert "ValueError: duplicate key (email)=([email]) from [ip]" in failure["exception"]
    for value in (*PERSONAL, "203.0.113.7", "2001:db8"):
        assert value not in log_output.text
    # Counts, dates and codes are not mistaken for personal data.
    logger.info("44109: 20000 rows in 12.5 s, SIRET 13002526500013, at 23:41:02")
    assert log_output.lines()[-1]["message"] == (
        "44109: 20000 rows in 12.5 s, SIRET 13002526500013, at 23:41:02"
    )


def test_imports_log_their_event_with_counts(atlas, log_output, tmp_path):
    sources_load()
    rows = tmp_path / "ajout.csv"
    rows.write_text(
        "name,main_type,commune_code,source,source_record_id\n"
        "[Test] Atelier A,fablab,44109,maillage,log-a\n"
        "[Test] Atelier B,fablab,44109,maillage,log-b\n",
        encoding="utf-8",
    )
    call_command("import", str(rows), stdout=io.StringIO())
    (imported,) = log_output.events("import.finished")
    assert (imported["created"], imported["updated"], imported["rejected"]) == (2, 0, 0)
    assert imported["written"] is True and imported["dry_run"] is False


@pytest.mark.django_db(transaction=True)  # a backup reads committed data
def test_backups_log_their_event_with_its_size(log_output, tmp_path):
    call_command("backup", "-o", str(tmp_path / "copie.backup"), stdout=io.StringIO())
    (backup,) = log_output.events("backup.created")
    assert backup["bytes"] == (tmp_path / "copie.backup").stat().st_size


def _log_in_subprocess(log_format: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); import logging; "
        "logging.getLogger('maillage.tests').info('écrit par %s', 'a@b.fr')"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "maillage.settings",
            "MAILLAGE_LOG_FORMAT": log_format,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_log_format_is_switched_by_environment_variable():
    text = _log_in_subprocess("text")
    assert text.returncode == 0, text.stderr
    assert text.stderr.rstrip().endswith("INFO maillage.tests écrit par [email]")
    refused = _log_in_subprocess("xml")
    assert refused.returncode != 0
    assert "MAILLAGE_LOG_FORMAT='xml': expected 'json' or 'text'" in refused.stderr


@pytest.mark.slow
def test_the_server_writes_its_own_messages_in_the_same_format(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "maillage", "serve", "--port", str(port), "--workers", "1"]
        + ["--no-warmup"],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'vide.sqlite3'}",
            "MAILLAGE_LOG_FORMAT": "json",
        },
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)  # the worker's boot message
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    records = [json.loads(line) for line in stderr.splitlines()]  # every line is JSON
    messages = [r["message"] for r in records if r["logger"] == "gunicorn.error"]
    assert any(m.startswith("Booting worker") for m in messages), stderr
    # Its listening address went through the filter that removes addresses.
    assert f"Listening at: http://[ip]:{port}" in " ".join(messages), stderr
