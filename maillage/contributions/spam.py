"""Spam protection without tracking: a proof-of-work challenge (ALTCHA), a honeypot field
and a rate limit per client address, all held server-side.

The challenge is ALTCHA's version 2 (altcha on PyPI, the widget from the altcha npm package
vendored under static/vendor/): the server picks a secret counter below a maximum and signs
the challenge; the browser finds the counter by trying them all. A solved challenge is
accepted once: its signature is recorded in the shared cache until it expires, so a replayed
payload is refused, across processes when the cache is Redis.
"""

from __future__ import annotations

import base64
import enum
import json
import secrets
import time
from dataclasses import dataclass

import altcha
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac

from maillage.api.rate_limit import client_address, hit

ALGORITHM = "PBKDF2/SHA-256"
HONEYPOT_FIELD = "site_web_confirmation"
PAYLOAD_FIELD = "altcha"


def _hmac_secret() -> str:
    return settings.ALTCHA_HMAC_KEY or salted_hmac("maillage.altcha", "challenge").hexdigest()


def challenge_create() -> dict:
    """A new signed challenge, as the widget takes it (JSON object)."""
    challenge = altcha.create_challenge(
        ALGORITHM,
        settings.ALTCHA_COST,
        counter=secrets.randbelow(settings.ALTCHA_MAX_NUMBER + 1),
        expires_at=int(time.time()) + settings.ALTCHA_EXPIRES_SECONDS,
        hmac_secret=_hmac_secret(),
    )
    return challenge.to_dict()


def challenge_solve(challenge: dict) -> str:
    """The form value a browser would send for challenge (for tests and scripts)."""
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed, timeout=60)
    if solution is None:
        raise RuntimeError("challenge not solved in time")
    payload = altcha.Payload(parsed, solution)
    return base64.b64encode(json.dumps(payload.to_dict()).encode()).decode()


class ChallengeProblem(enum.Enum):
    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    WRONG_ANSWER = "wrong_answer"
    FALLBACK_RATE = "fallback_rate"


# --- the fallback for visitors without JavaScript ------------------------------------------
#
# The proof of work runs in the browser. Without JavaScript, the form shows (in <noscript>)
# a small sum to answer instead, carried by a signed, single-use, expiring token. A sum
# stops only the crudest robots, so what passes this way is held to a rate limit a fifth of
# the usual one per client address, and a proposal sent this way reaches the moderators
# flagged « sans vérification anti-robot » (Proposal.without_proof_of_work).

FALLBACK_TOKEN_FIELD = "defi_sans_js"  # noqa: S105  (a form field name, not a secret)
FALLBACK_ANSWER_FIELD = "defi_sans_js_reponse"
_FALLBACK_SALT = "maillage.spam.fallback"


def fallback_rate_limit() -> int:
    return max(1, settings.CONTRIBUTION_RATE_LIMIT // 5)


def _fallback_digest(nonce: str, answer: int) -> str:
    return salted_hmac(_FALLBACK_SALT, f"{nonce}:{answer}").hexdigest()


def fallback_create() -> dict:
    """A new question {a, b, token}: the answer is a + b, the token carries it hashed."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps({"n": nonce, "h": _fallback_digest(nonce, a + b)}, salt=_FALLBACK_SALT)
    return {"a": a, "b": b, "token": token}


def fallback_check(token: str, answer: str) -> ChallengeProblem | None:
    """None when answer is right for token, not expired and not used before (then consumed)."""
    if not token or not answer.strip():
        return ChallengeProblem.MISSING
    try:
        data = signing.loads(token, salt=_FALLBACK_SALT, max_age=settings.ALTCHA_EXPIRES_SECONDS)
    except signing.SignatureExpired:
        return ChallengeProblem.EXPIRED
    except signing.BadSignature:
        return ChallengeProblem.INVALID
    digits = answer.strip()
    if not digits.isdigit() or len(digits) > 3:
        return ChallengeProblem.WRONG_ANSWER
    if not constant_time_compare(_fallback_digest(data["n"], int(digits)), data["h"]):
        return ChallengeProblem.WRONG_ANSWER
    if not cache.add(f"fallback:used:{data['n']}", 1, timeout=settings.ALTCHA_EXPIRES_SECONDS + 60):
        return ChallengeProblem.REPLAYED
    return None


def challenge_check(value: str) -> ChallengeProblem | None:
    """None when value is a valid solution not seen before, which it then consumes."""
    if not value:
        return ChallengeProblem.MISSING
    try:
        result = altcha.verify_solution(value, _hmac_secret())
    except (ValueError, TypeError, KeyError):
        return ChallengeProblem.INVALID
    if result.expired:
        return ChallengeProblem.EXPIRED
    if not result.verified:
        return ChallengeProblem.INVALID
    signature = json.loads(base64.b64decode(value))["challenge"]["signature"]
    # cache.add is atomic (SET NX on Redis): only the first submission gets True.
    if not cache.add(f"altcha:used:{signature}", 1, timeout=settings.ALTCHA_EXPIRES_SECONDS + 60):
        return ChallengeProblem.REPLAYED
    return None


def honeypot_filled(data) -> bool:
    return bool(data.get(HONEYPOT_FIELD, "").strip())


@dataclass(frozen=True)
class RateResult:
    allowed: bool
    retry_after: int


def rate_check(request: HttpRequest, *, scope: str, limit: int | None = None) -> RateResult:
    """Count one submission of the client in scope, over the contribution window."""
    limit = limit if limit is not None else settings.CONTRIBUTION_RATE_LIMIT
    count, reset = hit(
        scope=scope,
        client=client_address(request),
        limit=limit,
        window=settings.CONTRIBUTION_RATE_WINDOW_SECONDS,
    )
    return RateResult(allowed=count <= limit, retry_after=reset)
