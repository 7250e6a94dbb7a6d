"""The proof-of-work challenge: solved by brute force here, never skipped; single use, also
across processes sharing a Redis cache; rate limits shared across processes too."""

import base64
import json
import os
import subprocess
import sys
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from maillage.contributions import spam

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_a_solution_is_accepted_once():
    payload = spam.challenge_solve(spam.challenge_create())
    assert spam.challenge_check(payload) is None
    assert spam.challenge_check(payload) is spam.ChallengeProblem.REPLAYED


def test_missing_tampered_and_expired_solutions(settings):
    assert spam.challenge_check("") is spam.ChallengeProblem.MISSING
    assert spam.challenge_check("pas du base64") is spam.ChallengeProblem.INVALID
    payload = json.loads(base64.b64decode(spam.challenge_solve(spam.challenge_create())))
    payload["challenge"]["parameters"]["cost"] = 1
    tampered = base64.b64encode(json.dumps(payload).encode()).decode()
    assert spam.challenge_check(tampered) is spam.ChallengeProblem.INVALID
    settings.ALTCHA_EXPIRES_SECONDS = -10
    expired = spam.challenge_solve(spam.challenge_create())
    assert spam.challenge_check(expired) is spam.ChallengeProblem.EXPIRED


def test_the_challenge_endpoint_is_not_cached(client):
    response = client.get("/contribuer/defi/")
    assert "no-store" in response["Cache-Control"]
    assert response.json()["parameters"]["algorithm"] == "PBKDF2/SHA-256"


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.fixture
def redis_cache(settings):
    if not _redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield prefix
    # This test's keys only: the suites on SQLite and PostgreSQL may share the server.
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _other_process(code: str, prefix: str) -> str:
    """Run Python code in a separate process sharing the Redis cache (same key prefix)."""
    environment = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "maillage.settings",
    }
    script = (
        "import django; from django.conf import settings; django.setup();"
        f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r};" + code
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True
    )
    return result.stdout.strip()


@pytest.mark.slow
def test_rate_limit_is_shared_by_clients_and_processes(redis_cache, atlas, settings):
    settings.CONTRIBUTION_RATE_LIMIT = 3
    # Another process counts two submissions from the address...
    for _ in range(2):
        _other_process(
            "from maillage.api.rate_limit import hit;"
            "print(hit(scope='contribute', client='198.51.100.7', limit=3, window=3600))",
            redis_cache,
        )
    # ...so two separate clients of this process from the same address get one more in all.
    first, second = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.7")
    assert first.post("/contribuer/", {}).status_code == 400
    assert second.post("/contribuer/", {}).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.8").post("/contribuer/", {}).status_code == 400


@pytest.mark.slow
def test_a_challenge_used_in_one_process_is_refused_in_another(redis_cache):
    payload = spam.challenge_solve(spam.challenge_create())
    verdict = _other_process(
        f"from maillage.contributions import spam;print(spam.challenge_check({payload!r}))",
        redis_cache,
    )
    assert verdict == "None"
    assert spam.challenge_check(payload) is spam.ChallengeProblem.REPLAYED
