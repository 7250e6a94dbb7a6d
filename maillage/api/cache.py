"""The API's answers, kept until the data changes.

Every read of the API is a function of the request and of the data, and the data version
(maillage.structures.data_version) changes with every committed write. So a successful GET
answer is kept in the cache under the version, the host, the full path with its query
string and the language, and served again until the data changes (or the code: the key
holds the release). Nothing is stale: the first request after a write computes its answer
again (on PostgreSQL, once the write's notification reached the process:
maillage.structures.version_watch). The rate limiter and the data headers run outside this
cache, so they still apply to every request. With the setting
ANSWER_CACHE off (benchmarks of the first request), nothing is kept or served.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

from maillage.release import release
from maillage.structures.data_version import data_version_of_request

# Answers larger than this (exports) are not kept.
MAX_CACHED_BYTES = 1_000_000
CACHE_SECONDS = 3600
# Paths under /api/ that are not data: the API's description, and file downloads.
_NOT_CACHED = ("/openapi.json", "/docs")


def request_data_version(request: HttpRequest) -> str:
    """The data version, read once per request (the request's first query, which also
    checks the kept database connection; on PostgreSQL, kept in the process between two
    notifications of a change: maillage.structures.version_watch)."""
    version = getattr(request, "_maillage_data_version", None)
    if version is None:
        version = request._maillage_data_version = data_version_of_request()
    return version


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith("/api/")
        and not request.path.endswith(_NOT_CACHED)
        and "/exports/" not in request.path
    )


class ApiCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.ANSWER_CACHE or not _cacheable(request):
            return self.get_response(request)
        language = get_language_from_request(request)
        key = (
            "api-answer:"
            + hashlib.sha256(
                "\n".join(
                    (
                        release(),
                        request_data_version(request),
                        request.method,
                        request.scheme,
                        request.get_host(),
                        request.get_full_path(),
                        language,
                        settings.LANGUAGE_CODE,
                    )
                ).encode()
            ).hexdigest()
        )
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and len(response.content) <= MAX_CACHED_BYTES
        ):
            cache.set(key, response, CACHE_SECONDS)
        return response
