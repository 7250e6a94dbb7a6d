"""/partenaires/: the guided partner search. Parses the GET, runs the search, renders."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from maillage.matchmaking.communes import commune_label
from maillage.matchmaking.search import WHO, partner_search_parse, partner_search_run
from maillage.matchmaking.selectors import similar_context
from maillage.structures import selectors
from maillage.structures.models import Structure, Term


@require_safe
def partners(request):
    vocabulary = list(
        Term.objects.filter(kind__in=[Term.Kind.THEME, Term.Kind.FORMAT, Term.Kind.ACTOR])
    )
    search = partner_search_parse(request.GET, vocabulary=vocabulary)
    results = partner_search_run(search) if search.is_valid else None
    chosen_themes = {term.pk for term in search.themes}
    candidates = search.lookup.candidates[:8] if search.lookup else []
    labels = [commune_label(commune) for commune in candidates]
    # Each candidate is written as the field reads it back, « Name (department) », unless
    # two share that label: then by INSEE code.
    commune_choices = [
        (commune, label if labels.count(label) == 1 else commune.code)
        for commune, label in zip(candidates, labels, strict=True)
    ]
    chosen_formats = {term.pk for term in search.formats}
    return render(
        request,
        "matchmaking/partners.html",
        {
            "search": search,
            "results": results,
            "who_choices": [(key, label) for key, (label, _slugs) in WHO.items()],
            "themes": [
                (term, term.pk in chosen_themes) for term in vocabulary if term.kind == "theme"
            ],
            "formats": [
                (term, term.pk in chosen_formats) for term in vocabulary if term.kind == "format"
            ],
            "commune_choices": commune_choices,
            "commune_problems": search.problem_for("commune"),
            "theme_problems": search.problem_for("theme"),
            "format_problems": search.problem_for("format"),
            "who_problems": search.problem_for("who"),
        },
    )


@require_safe
def similar(request, key):
    """« Structures similaires » of a structure: its own page without JavaScript, and the
    block the structure page fetches after it is shown (`?fragment=1`), so ranking the
    candidates never delays the structure page itself."""
    try:
        structure = selectors.structure_get(key=key)
    except Structure.DoesNotExist as error:
        raise Http404(key) from error
    if key != structure.slug:
        return redirect("matchmaking:similar", key=structure.slug, permanent=True)
    context = {"structure": structure, **similar_context(structure)}
    if request.GET.get("fragment"):
        return render(request, "matchmaking/includes/similar.html", context)
    return render(request, "matchmaking/similar.html", context)
