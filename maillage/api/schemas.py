"""Input and output schemas of the public API (they generate the OpenAPI document)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from maillage.exports.record_models import InitiativeRecord, StructureRecord, StructureRecordNested
from maillage.structures.facets import FACET_PARAMETERS
from maillage.structures.pagination import SORTS


class FilterQuery(Schema):
    """The atlas filters, the same as the map's. Multi-valued parameters take repeated
    values (`theme=a&theme=b`) or comma-separated ones (`theme=a,b`)."""

    q: str | None = Field(
        None,
        description="Recherche plein texte en français (accents, casse, tirets ignorés ; "
        "préfixes et racines des mots).",
        max_length=200,
    )
    type: list[str] | None = Field(None, description="Types de structure (identifiants).")
    type_mode: Literal["or", "and"] | None = Field(None, description="Combinaison des types.")
    theme: list[str] | None = Field(None, description="Thématiques (identifiants).")
    theme_mode: Literal["or", "and"] | None = Field(None, description="Combinaison des thèmes.")
    format: list[str] | None = Field(None, description="Formats d'activité (identifiants).")
    format_mode: Literal["or", "and"] | None = Field(None, description="Combinaison des formats.")
    audience: list[str] | None = Field(None, description="Publics accompagnés (identifiants).")
    audience_mode: Literal["or", "and"] | None = Field(None, description="Combinaison des publics.")
    partner: list[str] | None = Field(None, description="Types de partenaires (identifiants).")
    partner_mode: Literal["or", "and"] | None = Field(
        None, description="Combinaison des types de partenaires."
    )
    region: list[str] | None = Field(None, description="Régions (codes INSEE, ex. 53).")
    department: list[str] | None = Field(None, description="Départements (codes INSEE, ex. 35).")
    epci: list[str] | None = Field(None, description="EPCI (SIREN, 9 chiffres).")
    territory: list[Literal["ME", "CU", "CA", "CC"]] | None = Field(
        None,
        description="Nature de l'EPCI de la commune : ME métropole, CU communauté urbaine, "
        "CA communauté d'agglomération, CC communauté de communes.",
    )
    size: list[Literal["lt2k", "2k-10k", "10k-50k", "50k-100k", "100k-plus"]] | None = Field(
        None, description="Taille de la commune (population municipale)."
    )
    resilience: Literal["yes", "no"] | None = Field(
        None, description="Avec (yes) ou sans (no) initiative de résilience."
    )
    verified: Literal["yes", "no"] | None = Field(
        None, description="Fiche vérifiée (yes) ou non vérifiée (no)."
    )
    updated_since: datetime.date | None = Field(
        None, description="Modifiées depuis cette date (AAAA-MM-JJ)."
    )
    bbox: str | None = Field(
        None,
        description="Emprise : ouest,sud,est,nord en degrés WGS 84.",
    )
    near: str | None = Field(
        None,
        description="Point de référence : latitude,longitude en degrés WGS 84.",
    )
    radius: str | None = Field(
        None, description="Rayon autour de `near`, en kilomètres, de 0 à 1000 (défaut 10)."
    )


class FacetsQuery(FilterQuery):
    facet: list[Literal[FACET_PARAMETERS]] | None = Field(  # type: ignore[valid-type]
        None,
        description="Filtres à compter (répétable) : "
        + ", ".join(FACET_PARAMETERS)
        + ". Par défaut : tous.",
    )


class ListQuery(FilterQuery):
    sort: Literal[tuple(SORTS)] | None = Field(  # type: ignore[valid-type]
        None,
        description="Ordre : name, -name, updated_at, -updated_at, relevance (avec q), "
        "distance (avec near). Par défaut : relevance avec q, distance avec near, sinon name.",
    )
    limit: int = Field(50, ge=1, le=500, description="Nombre de résultats par page (1 à 500).")
    cursor: str | None = Field(
        None, description="Curseur de page renvoyé par `next` ou `previous`.", max_length=500
    )


class TermRef(Schema):
    slug: str
    label_fr: str
    label_en: str


class TermOut(TermRef):
    description_fr: str
    description_en: str
    color: str


class _OnMaillage(Schema):
    url: str = Field(..., description="Page de la structure sur Maillage.")


class StructureListItem(StructureRecord, _OnMaillage):
    distance_km: float | None = Field(
        None, description="Distance au point `near`, en kilomètres (avec `near`)."
    )


class StructureDetail(StructureRecordNested, _OnMaillage):
    pass


class StructureList(Schema):
    count: int = Field(..., description="Nombre total de structures correspondantes.")
    next: str | None = Field(..., description="Adresse de la page suivante.")
    previous: str | None = Field(..., description="Adresse de la page précédente.")
    licence: str
    results: list[StructureListItem]


class FacetValue(Schema):
    value: str
    label_fr: str
    label_en: str
    count: int


class FacetsOut(Schema):
    count: int
    licence: str
    facets: dict[str, list[FacetValue]]


class VocabulariesOut(Schema):
    licence: str
    vocabularies: dict[str, list[TermOut]]


class TerritoryOut(Schema):
    code: str
    name: str
    population: int
    structures: int
    parent: str | None = None
    kind: str | None = None


class TerritoryList(Schema):
    count: int
    licence: str
    results: list[TerritoryOut]


class InitiativeWithStructure(InitiativeRecord):
    structure_id: str
    structure_name: str


class InitiativeList(Schema):
    count: int
    licence: str
    results: list[InitiativeWithStructure]


class ErrorOut(Schema):
    detail: list[dict] | str
