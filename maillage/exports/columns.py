"""The columns of Maillage's flat export (CSV, XLSX), shared by the export, its Table Schema
and the import profile "maillage" that reads it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from maillage.structures.models import Structure

MULTI_VALUE_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: string, number, integer, datetime
    title: str  # French, for the schema's readers
    description: str
    get: Callable[[Structure], Any]
    derived: bool = False  # computed from the referential; ignored by imports
    multiple: bool = False  # several term slugs, joined with "|" in tables
    enum: tuple[str, ...] = ()
    required: bool = False


def _attr(name: str) -> Callable[[Structure], Any]:
    return lambda structure: getattr(structure, name)


def _slugs(name: str) -> Callable[[Structure], Any]:
    def get(structure: Structure) -> Any:
        # Read in one query for a page of structures (serialize.list_rows), or as relations.
        read = getattr(structure, "term_slugs", None)
        if read is not None:
            return sorted(read.get(name, ()))
        return sorted(term.slug for term in getattr(structure, name).all())

    return get


def _commune(path: str) -> Callable[[Structure], Any]:
    def get(structure: Structure) -> Any:
        value: Any = structure.commune
        for part in path.split("."):
            if value is None:
                return ""
            value = getattr(value, part)
        return value if value is not None else ""

    return get


def _text(name: str, title: str, description: str, **kwargs) -> Column:
    return Column(name, "string", title, description, _attr(name), **kwargs)


def _terms(name: str, title: str, description: str) -> Column:
    return Column(
        name,
        "string",
        title,
        description + " Identifiants séparés par « | ».",
        _slugs(name),
        multiple=True,
    )


COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "string",
        "Identifiant",
        "Identifiant stable Maillage (mlg-…).",
        _attr("uid"),
        required=True,
    ),
    _text("name", "Nom", "Nom de la structure.", required=True),
    _text("acronym", "Sigle", "Sigle ou nom court."),
    _text("siret", "SIRET", "Numéro SIRET (14 chiffres) quand il est connu."),
    Column(
        "main_type",
        "string",
        "Type principal",
        "Identifiant du type de structure (vocabulaire « type »).",
        lambda s: s.main_type.slug,
        required=True,
    ),
    _terms("secondary_types", "Types secondaires", "Autres types de la structure."),
    _text("short_description", "Description courte", "Présentation en une phrase."),
    _text("description", "Description", "Présentation détaillée."),
    _text("address", "Adresse", "Adresse postale (numéro et voie)."),
    _text("postcode", "Code postal", "Code postal à 5 chiffres."),
    Column(
        "commune_code",
        "string",
        "Code INSEE de la commune",
        "Code officiel géographique de la commune.",
        lambda s: s.commune_id or "",
    ),
    Column(
        "latitude", "number", "Latitude", "Latitude WGS 84 en degrés décimaux.", _attr("latitude")
    ),
    Column(
        "longitude",
        "number",
        "Longitude",
        "Longitude WGS 84 en degrés décimaux.",
        _attr("longitude"),
    ),
    _text(
        "geo_precision",
        "Précision de la localisation",
        "Comment les coordonnées ont été obtenues.",
        enum=tuple(Structure.GeoPrecision.values),
    ),
    _text("geo_source", "Origine de la localisation", "Source et qualité du géocodage."),
    _text("website", "Site web", "Adresse du site web (http ou https)."),
    _text("twitter", "X / Twitter", "Adresse du compte X / Twitter."),
    _text("facebook", "Facebook", "Adresse de la page Facebook."),
    _text("linkedin", "LinkedIn", "Adresse de la page LinkedIn."),
    Column(
        "year_founded",
        "integer",
        "Année de création",
        "Année de création de la structure.",
        _attr("year_founded"),
    ),
    _text("legal_form", "Forme juridique", "Forme juridique (association, SAS, régie…)."),
    _terms("themes", "Thématiques", "Thématiques travaillées (vocabulaire « theme »)."),
    _terms("formats", "Formats d'activité", "Formats d'activité (vocabulaire « format »)."),
    _terms("audiences", "Publics accompagnés", "Publics accompagnés (vocabulaire « actor »)."),
    _terms(
        "partner_kinds", "Types de partenaires", "Types de partenaires (vocabulaire « actor »)."
    ),
    _text("status", "Statut", "Statut de la fiche.", enum=tuple(Structure.Status.values)),
    Column(
        "source",
        "string",
        "Source",
        "Identifiant de la source de la fiche.",
        lambda s: s.source.slug,
    ),
    _text(
        "source_record_id", "Identifiant dans la source", "Identifiant de la fiche dans sa source."
    ),
    Column(
        "last_verified_at",
        "datetime",
        "Dernière vérification",
        "Date de la dernière vérification (ISO 8601), vide si jamais vérifiée.",
        _attr("last_verified_at"),
    ),
    _text("verified_by", "Vérifiée par", "Qui a vérifié la fiche."),
    _text(
        "provenance_note",
        "Note de provenance",
        "Ce que l'on sait de l'origine de la fiche et ce qui reste à vérifier.",
    ),
    Column(
        "slug",
        "string",
        "Slug",
        "Identifiant de la page web de la structure (ignoré à l'import).",
        _attr("slug"),
        derived=True,
    ),
    Column(
        "updated_at",
        "datetime",
        "Modifiée le",
        "Date de la dernière modification (ignorée à l'import).",
        _attr("updated_at"),
        derived=True,
    ),
    Column(
        "commune_name",
        "string",
        "Commune",
        "Nom de la commune (référentiel ; à l'import, sert seulement à trouver la commune "
        "quand le code INSEE manque).",
        _commune("name"),
        derived=True,
    ),
    Column(
        "department_code",
        "string",
        "Code du département",
        "Référentiel, ignoré à l'import.",
        _commune("department.code"),
        derived=True,
    ),
    Column(
        "department_name",
        "string",
        "Département",
        "Référentiel, ignoré à l'import.",
        _commune("department.name"),
        derived=True,
    ),
    Column(
        "region_code",
        "string",
        "Code de la région",
        "Référentiel, ignoré à l'import.",
        _commune("department.region.code"),
        derived=True,
    ),
    Column(
        "region_name",
        "string",
        "Région",
        "Référentiel, ignoré à l'import.",
        _commune("department.region.name"),
        derived=True,
    ),
    Column(
        "epci_code",
        "string",
        "SIREN de l'EPCI",
        "Intercommunalité de la commune (référentiel, ignoré à l'import).",
        _commune("epci.code"),
        derived=True,
    ),
    Column(
        "epci_name",
        "string",
        "EPCI",
        "Nom de l'intercommunalité (référentiel, ignoré à l'import).",
        _commune("epci.name"),
        derived=True,
    ),
    Column(
        "epci_kind",
        "string",
        "Nature de l'EPCI",
        "ME métropole, CU communauté urbaine, CA communauté d'agglomération, "
        "CC communauté de communes (ignoré à l'import).",
        _commune("epci.kind"),
        derived=True,
        enum=("ME", "CU", "CA", "CC"),
    ),
)

IMPORTED_COLUMNS = tuple(column.name for column in COLUMNS if not column.derived)
DERIVED_COLUMNS = tuple(column.name for column in COLUMNS if column.derived)
