"""The map as of a dated edition (/carte/edition/<n>/, or /carte/?edition=<n>), read from
the edition's frozen file. The insights take ?edition=<n> in maillage.web.insights_views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from maillage.contributions import edition_atlas, editions
from maillage.contributions.models import Edition
from maillage.web import map_views


def edition_unknown(request: HttpRequest, key: str) -> HttpResponse:
    """The clear 404 page of an edition that does not exist."""
    return render(
        request,
        "web/contributions/edition_unknown.html",
        {"message": editions.edition_unknown_message(key)},
        status=404,
    )


def _edition_or_none(key: str) -> Edition | None:
    return editions.edition_get(key)


@require_safe
def edition_map(request: HttpRequest, key: str) -> HttpResponse:
    edition = _edition_or_none(key)
    if edition is None:
        return edition_unknown(request, key)
    context = map_views._map_context(request, embed=False)
    version = edition_atlas.edition_map_version(edition)
    config = context["config"]
    config["version"] = version
    config["urls"] = {
        **config["urls"],
        "data": reverse("map:edition_data", args=[edition.number]),
        "selection": reverse("map:edition_selection", args=[edition.number]),
    }
    config["initial"] = {**config["initial"], "query": ""}
    structures, placed = edition_atlas.edition_map_counts(edition)
    context.update(
        edition=edition,
        version=version,
        map_kept=None,  # an edition's map is its own file, never out of date
        edition_structures=structures,
        edition_placed=placed,
        formats=editions.FORMATS,
    )
    return render(request, "web/map/map.html", context)


@require_safe
def edition_map_data(request: HttpRequest, key: str) -> HttpResponse:
    edition = _edition_or_none(key)
    if edition is None:
        return JsonResponse({"detail": editions.edition_unknown_message(key)}, status=404)
    response = JsonResponse(
        edition_atlas.edition_map_payload(edition), json_dumps_params={"ensure_ascii": False}
    )
    # An edition changes only when personal data is removed from it: cache briefly.
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def edition_map_selection(request: HttpRequest, key: str) -> HttpResponse:
    """Every point of the edition: its map has no filters (they read the live tables)."""
    edition = _edition_or_none(key)
    if edition is None:
        return JsonResponse({"detail": editions.edition_unknown_message(key)}, status=404)
    structures, placed = edition_atlas.edition_map_counts(edition)
    return JsonResponse(
        {
            "version": edition_atlas.edition_map_version(edition),
            "count": structures,
            "placed": placed,
            "matches": None,
            "facets": {},
            "problems": [],
        }
    )
