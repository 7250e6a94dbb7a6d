"""The public history of a structure (« Historique »): its changes, dated, by role."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from maillage.contributions import history, selectors

PER_PAGE = 30


@require_GET
@never_cache  # it reads the revisions, which the data version does not watch
def structure_history(request: HttpRequest, key: str) -> HttpResponse:
    """/structures/<slug>/historique/: the dated list of a structure's changes."""
    structure = selectors.public_structure_get(slug=key)
    if structure is None:
        raise Http404(key)
    entries = history.structure_history(
        structure=structure, revisions=selectors.structure_revisions(structure=structure)
    )
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    can_revert = request.user.has_perm("contributions.revert_structurerevision")
    editions = sorted(
        {edition.pk: edition for entry in entries for edition in entry.editions}.values(),
        key=lambda edition: edition.published_at,
    )
    return render(
        request,
        "web/contributions/history.html",
        {
            "structure": structure,
            "page": page,
            "entries": page.object_list,
            "editions": editions,
            "can_revert": can_revert,
        },
    )
