"""Public pages, kept for anonymous visitors until the data changes.

A public page is a function of its address, the language, the day (a structure's « À
actualiser » notice depends on today's date) and the data, whose version
(maillage.structures.data_version) changes with every committed write. So, for a visitor
with no session (no sign-in, no pending message), a successful HTML answer is kept in the
cache under the data version, the host, the full path, the language and the date, and
served again until the data changes: nothing is stale, and the first request after a
write renders the page again (on PostgreSQL, once the write's notification reached the
process: maillage.structures.version_watch). The API has its own cache
(maillage.api.cache); both are off with ANSWER_CACHE (MAILLAGE_ANSWER_CACHE=0).

A page is only kept when nothing in it belongs to one visitor:
- the answer sets no cookie and did not use a CSRF token (forms that post carry one, so
  the contribution, sign-in and subscription pages are never kept);
- the view did not write to the session;
- the view did not forbid it (`Cache-Control: no-store`, `private` or `no-cache`, as
  `never_cache` sets).

Each answer has its own Content-Security-Policy nonce: a kept page holds a placeholder
where its nonce was, and every answer served from the cache gets a new nonce, written in
both the page and its header (by django-csp, which runs outside this middleware).

This middleware sits last in MIDDLEWARE, so every other middleware (security headers,
language, CSP, compression, the request log) still runs on every answer, kept or not.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from maillage.api.cache import request_data_version
from maillage.logs.requests import SECRET_URL_PARAMETERS
from maillage.release import release

logger = logging.getLogger(__name__)

# Kept in their own bounded cache ("pages": each process's memory, MAX_ENTRIES), so that
# addresses made up to fill it can only push out other pages, never the rate limits and
# anti-spam records of the default cache.
MAX_CACHED_BYTES = 512 * 1024
CACHE_SECONDS = 3600
_NONCE_PLACEHOLDER = b"\x00maillage-csp-nonce\x00"
_NOT_KEPT = ("no-store", "private", "no-cache")
# Paths with their own cache (the API, the map's versioned data) or never public pages.
_SKIPPED_PREFIXES = ("/api/", "/carte/donnees/", "/admin/", "/i18n/", "/static/")


def _anonymous(request: HttpRequest) -> bool:
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _key(request: HttpRequest) -> str:
    parts = (
        release(),
        request_data_version(request),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        timezone.localdate().isoformat(),
    )
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    cache_control = response.get("Cache-Control", "")
    match = getattr(request, "resolver_match", None)
    return (
        response.status_code == 200
        # Pages reached by a secret link (activation, claim, unsubscribe) belong to one
        # person.
        and not (match and SECRET_URL_PARAMETERS & set(match.kwargs))
        and not response.has_header("Vary")
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
        and not any(word in cache_control for word in _NOT_KEPT)
        and len(response.content) <= MAX_CACHED_BYTES
        # Text that holds the placeholder would get the live nonce on every answer.
        and _NONCE_PLACEHOLDER not in response.content
    )


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.ANSWER_CACHE
            or request.method not in ("GET", "HEAD")
            or request.path.startswith(_SKIPPED_PREFIXES)
            or not _anonymous(request)
        ):
            return self.get_response(request)
        key = _key(request)
        pages = caches["pages"]
        try:
            kept = pages.get(key)
        except Exception:  # a cache out of order: the page is rendered, as without one
            logger.exception("page_cache.unavailable")
            kept = None
        if kept is not None:
            kept.content = kept.content.replace(_NONCE_PLACEHOLDER, str(request.csp_nonce).encode())
            # As the rendered page says (its session was read): it depends on the cookies.
            patch_vary_headers(kept, ("Cookie",))
            return kept
        response = self.get_response(request)
        if request.method == "GET" and _keepable(request, response):
            nonce = getattr(request, "_csp_nonce", None)
            content = response.content
            # Keep a copy whose nonce is a placeholder; this visitor gets the original.
            if nonce:
                response.content = content.replace(nonce.encode(), _NONCE_PLACEHOLDER)
            try:
                pages.set(key, response, CACHE_SECONDS)
            except Exception:
                logger.exception("page_cache.unavailable")
            response.content = content
        return response
