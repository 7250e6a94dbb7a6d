"""/api/v1/practices: the published practice sheets, read-only, with the list page's filters."""

from __future__ import annotations

import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError

from maillage.api.schemas import ErrorOut, TermRef
from maillage.practices import selectors
from maillage.practices.models import PracticeSheet

router = Router(tags=["fiches pratiques"])


class PracticeQuery(Schema):
    q: str | None = Field(
        None,
        description="Recherche en français dans le titre, le résumé et le récit (accents, casse "
        "ignorés ; préfixes et racines des mots).",
        max_length=200,
    )
    theme: str | None = Field(None, description="Thématique (identifiant).", max_length=100)
    format: str | None = Field(None, description="Format d'activité (identifiant).", max_length=100)
    kind: Literal[tuple(PracticeSheet.Kind.values)] | None = Field(  # type: ignore[valid-type]
        None, description="Nature de la pratique."
    )
    type: str | None = Field(
        None, description="Type d'une structure liée (identifiant).", max_length=100
    )
    region: str | None = Field(
        None, description="Région d'une structure liée (code INSEE).", max_length=3
    )
    limit: int = Field(50, ge=1, le=200, description="Nombre de fiches par page (1 à 200).")
    offset: int = Field(0, ge=0, le=1_000_000, description="Fiches à sauter.")


class PracticeStructure(Schema):
    id: str = Field(..., description="Identifiant stable de la structure.")
    name: str
    url: str = Field(..., description="Page de la structure sur Maillage.")


class PracticeItem(Schema):
    slug: str
    title: str
    kind: str = Field(..., description="Nature : " + ", ".join(PracticeSheet.Kind.values) + ".")
    summary: str
    started_on: datetime.date | None
    ended_on: datetime.date | None
    themes: list[TermRef]
    formats: list[TermRef]
    structures: list[PracticeStructure]
    published_at: datetime.datetime | None
    updated_at: datetime.datetime
    url: str = Field(..., description="Page de la fiche sur Maillage.")


class PracticeDetail(PracticeItem):
    body: str = Field(..., description="Récit, en Markdown, tel qu'écrit.")
    body_html: str = Field(..., description="Récit rendu en HTML nettoyé (liste blanche).")
    participants: str
    outcomes: str = Field(..., description="Ce que la pratique a produit.")


class PracticeList(Schema):
    count: int = Field(..., description="Nombre total de fiches correspondantes.")
    licence: str
    results: list[PracticeItem]


def _terms(terms) -> list[dict]:
    return [{"slug": t.slug, "label_fr": t.label_fr, "label_en": t.label_en} for t in terms]


def _item(sheet: PracticeSheet) -> dict:
    return {
        "slug": sheet.slug,
        "title": sheet.title,
        "kind": sheet.kind,
        "summary": sheet.summary,
        "started_on": sheet.started_on,
        "ended_on": sheet.ended_on,
        "themes": _terms(sheet.themes.all()),
        "formats": _terms(sheet.formats.all()),
        "structures": [
            {"id": s.uid, "name": s.name, "url": s.get_absolute_url()}
            for s in sheet.public_structures
        ],
        "published_at": sheet.published_at,
        "updated_at": sheet.updated_at,
        "url": sheet.get_absolute_url(),
    }


@router.get(
    "",
    response={200: PracticeList, 422: ErrorOut},
    summary="Fiches pratiques publiées, filtrées",
)
def practice_list(request: HttpRequest, query: Query[PracticeQuery]):
    filters = selectors.PracticeFilters.parse(request.GET)
    if filters.problems:
        raise ValidationError(
            [
                {"loc": ["query", p.parameter], "msg": p.message, "input": p.value}
                for p in filters.problems
            ]
        )
    sheets = selectors.practice_list(filters=filters)
    page = list(sheets[query.offset : query.offset + query.limit])
    return {
        "count": sheets.count(),
        "licence": settings.DATA_LICENCE,
        "results": [_item(sheet) for sheet in page],
    }


@router.get(
    "/{slug}",
    response={200: PracticeDetail, 404: ErrorOut},
    summary="Une fiche pratique publiée, par son identifiant",
)
def practice_detail(request: HttpRequest, slug: str):
    sheet = selectors.practice_get_published(slug=slug)
    if sheet is None:
        raise HttpError(404, "Aucune fiche pratique publiée n'a cet identifiant.")
    return {
        **_item(sheet),
        "body": sheet.body,
        "body_html": sheet.body_html,
        "participants": sheet.participants,
        "outcomes": sheet.outcomes,
    }
