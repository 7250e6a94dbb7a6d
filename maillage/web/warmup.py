"""Warm the application up in gunicorn's master process, before it forks its workers.

Without it, each worker pays on its first requests for what only needs doing once: loading
and compiling templates, reading the translation catalogues, building the URL resolvers,
importing lazily imported modules, computing the answers kept in the cache under the
data version (the home page's figures, the common pages and API answers), and writing the
map's payload to disk (maillage.structures.map_kept). Under load, those first requests of
every worker made most of the slow tail (`make loadtest`).

Done once in the master, the work is inherited by every worker through fork, and its
memory is shared between them until written to. `gc.freeze()` then moves what is loaded
into the permanent generation, so that the workers' collections neither scan it nor touch
its pages.

The requests go through the WSGI application the workers serve, with the host, port and
scheme visitors use, so that the answers kept are found again. A page that fails is
logged and skipped: warming up never stops the server from starting. Database
connections are closed before the fork, so that no worker shares one.
"""

from __future__ import annotations

import gc
import logging
import re
import time

from django.conf import settings
from django.db import connections
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger("maillage.events")

# The pages most visitors open first, and what those pages fetch.
PATHS = (
    "/",
    "/carte/",
    "/recherche/?q=fablab",
    "/api/v1/structures?limit=20",
    "/api/v1/facets?facet=type&facet=region",
    "/api/v1/vocabularies",
)
_MAP_DATA = re.compile(r"/carte/donnees/[0-9a-f]+\.json")


def _visitors_host(host: str, port: int) -> str:
    """The Host header visitors send: the address served, else the first declared name
    (behind a proxy, the public name)."""
    served = host if port in (80, 443) else f"{host}:{port}"
    domain, _port = split_domain_port(served)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        return served
    for candidate in settings.ALLOWED_HOSTS:
        if candidate and candidate != "*" and not candidate.startswith("."):
            return candidate
    return served


def warm_up(application, *, host: str = "127.0.0.1", port: int = 8000) -> dict[str, int]:
    """GET the common pages in both languages through `application` (the WSGI handler);
    return each one's status (0: it failed)."""
    from django.test import RequestFactory

    from maillage.structures.models import Structure

    started = time.perf_counter()
    paths = list(PATHS)
    try:
        first = Structure.objects.published().only("slug", "uid").order_by("pk").first()
    except Exception:
        # An unmigrated or unreachable database: the pages will say so to visitors; waiting
        # here for every page to time out would only delay the start.
        logger.warning("warmup.skipped", extra={"event": "warmup.skipped"})
        connections.close_all()
        return {}
    try:
        # Written here, before the workers are forked, rather than by a thread that /carte/
        # would start in this process (maillage.structures.map_kept).
        from maillage.structures.map_kept import map_write

        map_write()
    except Exception:
        logger.warning("warmup.failed", extra={"event": "warmup.failed", "path": "map payload"})
    if first is not None:
        paths.append(f"/structures/{first.slug}/")
        paths.append(f"/api/v1/structures/{first.uid}")
    # Over HTTPS when the site redirects to it, through the TLS proxy whose header says so.
    secure = settings.SECURE_SSL_REDIRECT
    headers = {"HTTP_HOST": _visitors_host(host, port)}
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        name, value = settings.SECURE_PROXY_SSL_HEADER
        headers[name] = value

    def get(path: str, language: str) -> tuple[int, bytes]:
        factory = RequestFactory(HTTP_ACCEPT_LANGUAGE=language, **headers)
        environ = factory.get(path, secure=secure).environ
        statuses = []
        response = application(environ, lambda status, *args: statuses.append(status))
        try:
            body = b"".join(response)
        finally:
            response.close()  # as a server does: the request_finished signal
        return int(statuses[0].split()[0]), body

    statuses: dict[str, int] = {}
    # These are not visitors' requests: the request log leaves them out.
    request_log = logging.getLogger("maillage.requests")
    request_log.disabled = True
    try:
        for language in ("fr", "en"):
            for path in paths:
                try:
                    status, body = get(path, language)
                    if path == "/carte/" and status == 200:
                        found = _MAP_DATA.search(body.decode())
                        if found:
                            statuses[f"{language} {found.group(0)}"] = get(
                                found.group(0), language
                            )[0]
                except Exception:
                    logger.warning("warmup.failed", extra={"event": "warmup.failed", "path": path})
                    status = 0
                statuses[f"{language} {path}"] = status
    finally:
        request_log.disabled = False
    connections.close_all()
    gc.collect()
    gc.freeze()
    logger.info(
        "warmup.finished",
        extra={
            "event": "warmup.finished",
            "pages": len(statuses),
            "failed": sum(1 for status in statuses.values() if status != 200),
            "seconds": round(time.perf_counter() - started, 2),
        },
    )
    return statuses
