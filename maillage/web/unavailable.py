"""A dated edition whose files are being rewritten answers 503, with when to come back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from maillage.contributions.editions import EditionUnavailable, edition_unavailable_message

RETRY_AFTER_SECONDS = 120


class EditionUnavailableMiddleware:
    """Turns EditionUnavailable, raised by any page reading an edition's file (its
    downloads, comparison, map, analyses), into a page saying why and when to retry."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, EditionUnavailable):
            return None
        response = render(
            request,
            "web/contributions/edition_unavailable.html",
            {
                "edition": exception.edition,
                "message": edition_unavailable_message(exception.edition),
            },
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
