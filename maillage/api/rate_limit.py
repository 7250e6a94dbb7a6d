"""Per-client rate limiting of the API, in the shared cache, with the standard headers.

A fixed window per client address: the counter is an atomic increment in the cache
(Redis when REDIS_URL is set, so the limit holds across processes). Responses carry
RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset; a client over the limit gets a
429 with Retry-After and a JSON body saying when to come back.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _


def client_address(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only from the configured proxies."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(*, scope: str, client: str, limit: int, window: int) -> tuple[int, int]:
    """Count one request of client in scope; returns (requests so far, seconds to reset)."""
    now = time.time()
    window_start = int(now // window) * window
    key = f"ratelimit:{scope}:{client}:{window_start}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count, max(1, int(window_start + window - now))


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not request.path.startswith("/api/") or request.method == "OPTIONS":
            return self.get_response(request)
        limit = settings.API_RATE_LIMIT
        count, reset = hit(
            scope="api",
            client=client_address(request),
            limit=limit,
            window=settings.API_RATE_WINDOW_SECONDS,
        )
        if count > limit:
            response = JsonResponse(
                {
                    "detail": _(
                        "Trop de requêtes : la limite est de %(limit)s requêtes par minute "
                        "et par adresse. Réessayez dans %(seconds)s secondes."
                    )
                    % {"limit": limit, "seconds": reset},
                    "retry_after": reset,
                },
                status=429,
            )
            response["Retry-After"] = str(reset)
        else:
            response = self.get_response(request)
        response["RateLimit-Limit"] = str(limit)
        response["RateLimit-Remaining"] = str(max(0, limit - count))
        response["RateLimit-Reset"] = str(reset)
        return response
