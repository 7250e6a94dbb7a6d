"""Public pages: each view parses its input, calls a selector, renders a template."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from maillage.structures import selectors
from maillage.structures.models import Structure

RESULTS_PER_PAGE = 20
RECENT_STRUCTURES = 6
MAX_QUERY_LENGTH = 200


@require_safe
def home(request):
    return render(request, "web/home.html", selectors.home_figures(recent=RECENT_STRUCTURES))


@require_safe
def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    types = list(selectors.structure_types())
    requested_type = request.GET.get("type", "")
    selected_type = next((term for term in types if term.slug == requested_type), None)
    results = selectors.structure_search(
        query=query, type_slug=selected_type.slug if selected_type else None
    )
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/search.html",
        {
            "query": query,
            "types": types,
            "selected_type": selected_type,
            "searched": bool(query or selected_type),
            "page": page,
        },
    )


@require_safe
def structure_detail(request, key):
    try:
        structure = selectors.structure_get(key=key)
    except Structure.DoesNotExist as error:
        raise Http404(key) from error
    if key != structure.slug:
        # The stable uid (and any other alias) answers with the canonical slug URL.
        return redirect(structure, permanent=True)
    return render(request, "web/structure_detail.html", {"structure": structure})
