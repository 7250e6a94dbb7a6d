"""Network pages: parse the scope, call the selectors, render the graph and its list."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from maillage.network.graph import structure_node_id
from maillage.network.scopes import Problem, scope_parse
from maillage.network.selectors import public_structure_get, scope_network, structure_network
from maillage.referential.models import Department, Region
from maillage.structures.models import Structure, Term

DEPTHS = ("1", "2")


def _graph_context(
    network, *, api_url: str, gexf_url: str, empty_message: str, centre: str = ""
) -> dict:
    return {
        "gexf_url": gexf_url,
        "centre": centre,
        "network": network,
        "graph_data": network.graph.as_dict() if network else None,
        "api_url": api_url,
        "empty_message": empty_message,
    }


@require_safe
def scope_page(request):
    """/reseau/: choose a theme and/or a territory, see the network of its structures."""
    scope = scope_parse(request.GET)
    network = None
    if not scope.problems and not scope.unknown and not scope.is_empty:
        network = scope_network(scope=scope)
    status = 400 if scope.problems else 404 if scope.unknown else 200
    title = " · ".join(
        str(part) for part in (scope.theme.label if scope.theme else "", scope.territory) if part
    )
    return render(
        request,
        "network/scope.html",
        {
            "scope": scope,
            "scope_title": title,
            **_graph_context(
                network,
                api_url=f"{reverse('api:scope_network_view')}?{urlencode(scope.query())}",
                gexf_url=f"{reverse('api:scope_network_gexf')}?{urlencode(scope.query())}",
                empty_message=_(
                    "Aucune structure de ce périmètre ne nomme de partenaire, et aucune "
                    "n'est nommée comme partenaire."
                ),
            ),
            "problems": scope.problems + scope.unknown,
            "network": network,
            "themes": Term.objects.filter(kind=Term.Kind.THEME),
            "regions": Region.objects.all(),
            "departments": Department.objects.all(),
            "selected": {
                "theme": request.GET.get("theme", ""),
                "region": request.GET.get("region", ""),
                "department": request.GET.get("department", "").upper(),
            },
        },
        status=status,
    )


@require_safe
def structure_page(request, key):
    """/reseau/structure/<slug>/: the ego network of a public structure (depth 1 or 2)."""
    try:
        structure = public_structure_get(key=key)
    except Structure.DoesNotExist as error:
        raise Http404(key) from error
    if key != structure.slug:
        return redirect("network:structure", key=structure.slug, permanent=True)
    depth_text = request.GET.get("depth", "1").strip() or "1"
    problems = []
    if depth_text not in DEPTHS:
        problems.append(
            Problem(
                "depth",
                depth_text,
                _(
                    "« %(value)s » ne convient pas pour la profondeur : indiquez 1 (partenaires "
                    "directs) ou 2 (et leurs partenaires)."
                )
                % {"value": depth_text},
            )
        )
        depth_text = "1"
    depth = int(depth_text)
    network = structure_network(structure=structure, depth=depth)
    return render(
        request,
        "network/structure.html",
        {
            "structure": structure,
            "depth": depth,
            "problems": problems,
            **_graph_context(
                network,
                centre=structure_node_id(structure.slug),
                api_url=reverse("api:structure_network_view", args=[structure.slug])
                + (f"?depth={depth}" if depth != 1 else ""),
                gexf_url=reverse("api:structure_network_gexf", args=[structure.slug])
                + (f"?depth={depth}" if depth != 1 else ""),
                empty_message=_(
                    "%(name)s ne nomme encore aucun partenaire, et aucune structure de l'atlas "
                    "ne la nomme. Vous la connaissez ? Proposez une correction depuis sa fiche."
                )
                % {"name": structure.name},
            ),
        },
        status=400 if problems else 200,
    )
