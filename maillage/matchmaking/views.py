"""/partenaires/: the guided partner search. Parses the GET, runs the search, renders."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from maillage.matchmaking.communes import commune_label
from maillage.matchmaking.search import WHO, partner_search_parse, partner_search_run
from maillage.structures.models import Term


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
