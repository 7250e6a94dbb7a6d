"""Editions in the API: the list, one edition with its files, and a structure as an edition
froze it (/api/v1/editions/{edition}/structures/{structure_id})."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema

from maillage.api.schemas import ErrorOut
from maillage.contributions import editions
from maillage.contributions.models import Edition

router = Router(tags=["éditions"])


class EditionOut(Schema):
    number: int | None = Field(..., description="Numéro : 1 pour la première édition publiée.")
    slug: str
    title: str
    note: str
    published_at: dt.datetime
    structure_count: int
    size: int = Field(..., description="Taille du fichier JSON, en octets.")
    sha256: str = Field(..., description="Empreinte SHA-256 du fichier JSON.")
    rewritten_at: dt.datetime | None = Field(
        ..., description="Réécriture après une suppression de données personnelles."
    )
    url: str = Field(..., description="Page de l'édition sur Maillage.")
    downloads: dict[str, str] = Field(..., description="Adresse de chaque fichier par format.")


class EditionList(Schema):
    count: int
    licence: str
    results: list[EditionOut]


class EditionStructureOut(Schema):
    edition: EditionOut
    structure: dict = Field(..., description="La structure telle que l'édition l'a figée.")


def _out(request: HttpRequest, edition: Edition) -> dict:
    return {
        "number": edition.number,
        "slug": edition.slug,
        "title": edition.title,
        "note": edition.note,
        "published_at": edition.published_at,
        "structure_count": edition.structure_count,
        "size": edition.size,
        "sha256": edition.sha256,
        "rewritten_at": edition.rewritten_at,
        "url": request.build_absolute_uri(edition.get_absolute_url()),
        "downloads": {
            name: request.build_absolute_uri(
                reverse("contributions:edition_download", args=[edition.slug, name])
            )
            for name in editions.FORMATS
        },
    }


@router.get("", response=EditionList, summary="Éditions datées publiées")
def edition_list(request: HttpRequest):
    items = Edition.objects.listed().defer("data_gz").order_by("number", "published_at")
    results = [_out(request, edition) for edition in items]
    return {"count": len(results), "licence": settings.DATA_LICENCE, "results": results}


@router.get(
    "/{edition}",
    response={200: EditionOut, 404: ErrorOut},
    summary="Une édition, par son numéro ou son identifiant",
)
def edition_detail(request: HttpRequest, edition: str):
    found = editions.edition_get(edition)
    if found is None:
        return 404, {"detail": editions.edition_unknown_message(edition)}
    return _out(request, found)


@router.get(
    "/{edition}/structures/{structure_id}",
    response={200: EditionStructureOut, 404: ErrorOut, 503: ErrorOut},
    summary="Une structure telle qu'une édition l'a figée",
)
def edition_structure(request: HttpRequest, edition: str, structure_id: str):
    found = editions.edition_get(edition)
    if found is None:
        return 404, {"detail": editions.edition_unknown_message(edition)}
    try:
        item = editions.edition_structure(found, structure_id)
    except editions.EditionUnavailable:
        return 503, {"detail": editions.edition_unavailable_message(found)}
    if item is None:
        return 404, {
            "detail": f"La structure « {structure_id} » ne figure pas dans l'édition "
            f"n° {found.number} « {found.title} » (publiée le "
            f"{found.published_at:%d/%m/%Y})."
        }
    return {"edition": _out(request, found), "structure": item}
