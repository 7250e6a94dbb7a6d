"""The network endpoints of the public API (/api/v1/network), as a django-ninja router."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from maillage.network.gexf import graph_gexf
from maillage.network.graph import MAX_NODES, Graph
from maillage.network.scopes import scope_parse
from maillage.network.selectors import public_structure_get, scope_network, structure_network
from maillage.structures.models import Structure

router = Router(tags=["réseau"])
API_MAX_NODES = 500


class NodeOut(Schema):
    id: str = Field(..., description="Identifiant du nœud dans ce graphe (s:slug, p:type:nom).")
    label: str
    kind: Literal["structure", "partner"]
    type: str = Field(
        ..., description="Type de structure, ou type d'acteur du partenaire (vide si inconnu)."
    )
    type_label: str
    color: str = Field(..., description="Couleur hexadécimale du type.")
    url: str | None = Field(None, description="Page de la structure (structures seulement).")
    closed: bool = False


class EdgeOut(Schema):
    source: str = Field(..., description="La structure qui nomme le partenaire.")
    target: str = Field(..., description="Le partenaire nommé.")
    kind: str = Field(..., description="Type d'acteur du partenaire (vide si inconnu).")
    kind_label: str


class NetworkOut(Schema):
    scope: dict[str, str]
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool = Field(
        ..., description="Vrai quand le graphe dépassait max_nodes et a été réduit."
    )
    total_nodes: int
    total_edges: int
    licence: str


class ErrorOut(Schema):
    detail: list[dict] | str


class StructureNetworkQuery(Schema):
    depth: int = Field(1, ge=1, le=2, description="1 : partenaires directs ; 2 : et les leurs.")
    max_nodes: int = Field(MAX_NODES, ge=1, le=API_MAX_NODES, description="Nœuds au plus.")


class ScopeNetworkQuery(Schema):
    theme: str | None = Field(None, description="Thématique (identifiant).", max_length=60)
    region: str | None = Field(None, description="Région (code INSEE).", max_length=3)
    department: str | None = Field(None, description="Département (code INSEE).", max_length=3)
    epci: str | None = Field(None, description="EPCI (SIREN).", max_length=9)
    commune: str | None = Field(None, description="Commune (code INSEE).", max_length=5)
    max_nodes: int = Field(MAX_NODES, ge=1, le=API_MAX_NODES, description="Nœuds au plus.")


def _out(graph: Graph, scope: dict[str, str]) -> dict:
    return {"scope": scope, **graph.as_dict(), "licence": settings.DATA_LICENCE}


GEXF = {
    "responses": {
        "200": {
            "description": "Le graphe au format GEXF 1.3 (Gephi).",
            "content": {"application/gexf+xml": {}},
        }
    }
}


def _gexf_response(request: HttpRequest, graph: Graph, description: str) -> HttpResponse:
    body = graph_gexf(
        graph, description=description, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    response = HttpResponse(body, content_type="application/gexf+xml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="maillage-reseau.gexf"'
    return response


@router.get(
    "/structures/{key}",
    response={200: NetworkOut, 404: ErrorOut, 422: ErrorOut},
    summary="Réseau de partenariats d'une structure",
)
def structure_network_view(request: HttpRequest, key: str, query: Query[StructureNetworkQuery]):
    """Les partenaires que la structure nomme et les structures qui la nomment (profondeur 1),
    puis ceux de ses voisins (profondeur 2). `key` : slug ou identifiant stable."""
    try:
        structure = public_structure_get(key=key)
    except Structure.DoesNotExist:
        return 404, {"detail": f"Aucune structure publiée n'a l'identifiant « {key} »."}
    network = structure_network(structure=structure, depth=query.depth, max_nodes=query.max_nodes)
    return _out(network.graph, {"structure": structure.slug, "depth": str(query.depth)})


@router.get(
    "/structures/{key}/gexf",
    response={404: ErrorOut, 422: ErrorOut},
    summary="Réseau d'une structure, au format GEXF (Gephi)",
    openapi_extra=GEXF,
)
def structure_network_gexf(request: HttpRequest, key: str, query: Query[StructureNetworkQuery]):
    """Le même graphe que `/network/structures/{key}`, en GEXF 1.3."""
    try:
        structure = public_structure_get(key=key)
    except Structure.DoesNotExist:
        return 404, {"detail": f"Aucune structure publiée n'a l'identifiant « {key} »."}
    network = structure_network(structure=structure, depth=query.depth, max_nodes=query.max_nodes)
    return _gexf_response(
        request, network.graph, f"Réseau de partenariats de {structure.name} (Maillage)"
    )


@router.get(
    "",
    response={200: NetworkOut, 404: ErrorOut, 422: ErrorOut},
    summary="Réseau de partenariats d'une thématique ou d'un territoire",
)
def scope_network_view(request: HttpRequest, query: Query[ScopeNetworkQuery]):
    """Les structures publiques de la thématique et/ou du territoire (un seul parmi région,
    département, EPCI, commune), leurs partenaires et les structures qui les nomment."""
    scope, error = _scope(request)
    if error:
        return error
    network = scope_network(scope=scope, max_nodes=query.max_nodes)
    return _out(network.graph, scope.query())


@router.get(
    "/gexf",
    response={404: ErrorOut, 422: ErrorOut},
    summary="Réseau d'une thématique ou d'un territoire, au format GEXF (Gephi)",
    openapi_extra=GEXF,
)
def scope_network_gexf(request: HttpRequest, query: Query[ScopeNetworkQuery]):
    """Le même graphe que `/network`, en GEXF 1.3."""
    scope, error = _scope(request)
    if error:
        return error
    network = scope_network(scope=scope, max_nodes=query.max_nodes)
    names = ", ".join(f"{key}={value}" for key, value in scope.query().items())
    return _gexf_response(request, network.graph, f"Réseau de partenariats ({names}) (Maillage)")


def _scope(request: HttpRequest):
    """The scope of the request, or (None, the error answer)."""
    scope = scope_parse(request.GET)
    if scope.problems:
        raise ValidationError(
            [
                {"loc": ["query", p.parameter], "msg": p.message, "input": p.value}
                for p in scope.problems
            ]
        )
    if scope.unknown:
        return None, (404, {"detail": " ".join(problem.message for problem in scope.unknown)})
    if scope.is_empty:
        raise ValidationError(
            [
                {
                    "loc": ["query", "theme"],
                    "msg": "Indiquez une thématique (theme) ou un territoire (region, "
                    "department, epci ou commune).",
                    "input": None,
                }
            ]
        )
    return scope, None
