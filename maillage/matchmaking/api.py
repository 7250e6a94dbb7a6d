"""API of partner matchmaking: /api/v1/partners and the commune autocomplete."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from maillage.api.schemas import ErrorOut
from maillage.matchmaking.communes import commune_suggestions
from maillage.matchmaking.search import WHO, partner_search_parse
from maillage.matchmaking.selectors import structures_rank
from maillage.structures.models import Term

router = Router(tags=["partenaires"])


class PartnersQuery(Schema):
    who: Literal[tuple(WHO)] | None = Field(  # type: ignore[valid-type]
        None,
        description="Qui cherche : collectivite, startup, grande-entreprise, association, "
        "recherche. Favorise les structures qui accompagnent ce public ou travaillent avec lui.",
    )
    commune: str | None = Field(
        None,
        max_length=120,
        description="Commune d'origine : code INSEE (44109), « Nom (département) », code "
        "postal ou nom. La distance est comptée depuis son centre.",
    )
    theme: list[str] | None = Field(
        None, description="Thématiques (identifiants, répétables ou séparés par des virgules)."
    )
    format: list[str] | None = Field(
        None,
        description="Formats d'activité (identifiants, répétables ou séparés par des virgules).",
    )
    q: str | None = Field(
        None, max_length=200, description="Mots-clés cherchés dans les descriptions (français)."
    )
    limit: int = Field(20, ge=1, le=100, description="Nombre de résultats (1 à 100).")


class ScoreComponents(Schema):
    themes: float = Field(..., description="Part des thématiques demandées partagées × 0,40.")
    formats: float = Field(..., description="Part des formats demandés partagés × 0,15.")
    audiences: float = Field(..., description="Public demandé accompagné × 0,10.")
    partner_kinds: float = Field(..., description="Type de partenaire demandé × 0,05.")
    text: float = Field(..., description="Part des mots-clés trouvés dans la description × 0,10.")
    distance: float = Field(..., description="1 / (1 + distance / 30 km) × 0,20.")


class TermRef(Schema):
    slug: str
    label_fr: str
    label_en: str


class PartnerItem(Schema):
    id: str = Field(..., description="Identifiant stable de la structure.")
    name: str
    type: str = Field(..., description="Type principal (identifiant).")
    commune: str | None = Field(None, description="Code INSEE de la commune.")
    commune_name: str | None = None
    url: str = Field(..., description="Page de la structure (contacts : section #contact).")
    score: float = Field(..., description="Score total, de 0 à 1.")
    components: ScoreComponents
    shared_themes: list[TermRef]
    shared_formats: list[TermRef]
    distance_km: float | None = Field(None, description="Distance au centre de la commune.")
    why: str = Field(..., description="Pourquoi cette structure, en une ligne.")


class PartnersOut(Schema):
    count: int
    commune: str | None = Field(None, description="Code INSEE de la commune d'origine.")
    licence: str
    results: list[PartnerItem]


@router.get(
    "/partners",
    response={200: PartnersOut, 422: ErrorOut},
    summary="Partenaires possibles, classés par thématiques, formats, public et distance",
    url_name="partners",
)
def partners(request: HttpRequest, query: Query[PartnersQuery]):
    """Le même classement que la page /partenaires/ : chaque résultat donne son score, ses
    composantes et une ligne qui explique pourquoi (dans la langue demandée)."""
    vocabulary = list(
        Term.objects.filter(kind__in=[Term.Kind.THEME, Term.Kind.FORMAT, Term.Kind.ACTOR])
    )
    search = partner_search_parse(request.GET, vocabulary=vocabulary)
    if search.problems:
        raise ValidationError(
            [
                {"loc": ["query", p.parameter], "msg": p.message, "input": p.value}
                for p in search.problems
            ]
        )
    ranked = structures_rank(search.need(), limit=query.limit)
    terms = {term.pk: term for term in vocabulary}

    def refs(ids):
        return [
            {"slug": terms[i].slug, "label_fr": terms[i].label_fr, "label_en": terms[i].label_en}
            for i in ids
        ]

    return {
        "count": len(ranked),
        "commune": search.commune.code if search.commune else None,
        "licence": settings.DATA_LICENCE,
        "results": [
            {
                "id": item.structure.uid,
                "name": item.structure.name,
                "type": item.structure.main_type.slug,
                "commune": item.structure.commune_id,
                "commune_name": item.structure.commune.name if item.structure.commune_id else None,
                "url": item.structure.get_absolute_url(),
                "score": round(item.match.score, 4),
                "components": {k: round(v, 4) for k, v in item.match.components.items()},
                "shared_themes": refs(item.match.shared_themes),
                "shared_formats": refs(item.match.shared_formats),
                "distance_km": None
                if item.match.distance_km is None
                else round(item.match.distance_km, 1),
                "why": item.match.why,
            }
            for item in ranked
        ],
    }


class CommuneSuggestionOut(Schema):
    code: str = Field(..., description="Code INSEE.")
    name: str
    department: str
    postcodes: list[str]
    population: int
    label: str = Field(..., description="« Nom (département) », comme la page le relit.")


class CommuneSuggestions(Schema):
    count: int
    results: list[CommuneSuggestionOut]


@router.get(
    "/territories/communes/search",
    response={200: CommuneSuggestions, 422: ErrorOut},
    tags=["territoires"],
    summary="Communes dont le nom, le code postal ou le code INSEE commence par q",
    url_name="commune_search",
)
def commune_search(request: HttpRequest, q: str = Query(..., min_length=1, max_length=100)):
    """Accents, casse et tirets ignorés ; les plus peuplées d'abord (10 au plus)."""
    suggestions = commune_suggestions(q)
    return {
        "count": len(suggestions),
        "results": [
            {
                "code": s.code,
                "name": s.name,
                "department": s.department,
                "postcodes": s.postcodes,
                "population": s.population,
                "label": s.label,
            }
            for s in suggestions
        ],
    }
