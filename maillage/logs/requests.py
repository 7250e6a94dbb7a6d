"""One log line per request: method, path, status, duration and a request id.

The path is logged without its query string (only the parameters' names: the values of a
search or a form can be personal), and the URL parameters that carry secrets (activation
and reset tokens) are replaced by their names. The request id comes from a proxy's
X-Request-ID when it is well-formed, else is made here; it is sent back in the response's
X-Request-ID and added to every line logged while the request runs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

logger = logging.getLogger("maillage.requests")

_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "maillage_request_id", default=None
)
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# URL parameters whose values are secrets, logged as <name>.
SECRET_URL_PARAMETERS = frozenset({"token", "uidb64"})


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def loggable_path(request) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_PARAMETERS and value:
                path = path.replace(str(value), f"<{name}>")
    return path


class RequestLogMiddleware:
    """First middleware: times the whole request, whatever answers it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        context = _REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = loggable_path(request)
            logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "%s %s %s",
                request.method,
                path,
                status,
                extra={
                    "event": "http.request",
                    "data": {
                        "method": request.method,
                        "path": path,
                        "query": sorted(request.GET.keys()),
                        "status": status,
                        "duration_ms": duration_ms,
                    },
                },
            )
            _REQUEST_ID.reset(context)
