"""Stage 4: attach each record to a current commune with the referential's resolver.

From the INSEE code, postcode, name and department the file gives (2019 codes of merged
communes included), or else from the coordinates (the commune whose boundary holds them).
"""

from __future__ import annotations

from typing import Any, Protocol

from django.utils.translation import gettext as _

from maillage.imports.records import FieldError, Record


class Resolver(Protocol):
    def resolve(
        self, *, insee: str = "", postcode: str = "", name: str = "", department: str = ""
    ) -> Any: ...

    def locate(self, *, latitude: float, longitude: float) -> str | None: ...


def default_resolver() -> Resolver:
    # Imported here: the referential is loaded lazily and is large.
    from maillage.referential.resolution import CommuneResolver

    return CommuneResolver()


def resolve_commune(record: Record, resolver: Resolver) -> list[FieldError]:
    """Set record.values["commune_code"]; return the errors that reject the record."""
    hints = record.commune_hints
    values = record.values
    code = ""
    if any(hints.get(k) for k in ("commune_code", "postcode", "commune_name")):
        resolution = resolver.resolve(
            insee=hints.get("commune_code", ""),
            postcode=hints.get("postcode", ""),
            name=hints.get("commune_name", ""),
            department=hints.get("department_code", ""),
        )
        if resolution is not None:
            code = resolution.commune_code
            if resolution.commune_code != hints.get("commune_code") and resolution.note:
                record.notes.append(str(resolution.note))
    has_coordinates = values.get("latitude") is not None and values.get("longitude") is not None
    if not code and has_coordinates:
        code = resolver.locate(latitude=values["latitude"], longitude=values["longitude"]) or ""
        if code:
            record.notes.append(_("Commune déduite des coordonnées : %s.") % code)
    if code:
        values["commune_code"] = code
        return []
    if values.get("geo_precision") == "none" and not any(hints.values()):
        values["commune_code"] = ""  # a record stated as not located stays so
        return []
    given = ", ".join(f"{value}" for value in hints.values() if value)
    column = record.columns.get("commune_code") or record.columns.get("postcode") or ""
    if given:
        message = (
            _(
                "Commune introuvable dans le référentiel (%s). Vérifiez le code INSEE, le code "
                "postal et le nom de la commune."
            )
            % given
        )
    elif has_coordinates:
        message = _("Les coordonnées ne tombent dans aucune commune française.")
        column = record.columns.get("latitude", "")
    else:
        message = _(
            "Impossible de situer la structure : indiquez sa commune (code INSEE, code postal "
            "ou nom) ou ses coordonnées."
        )
    return [FieldError(line=record.line, column=column, value=given, message=message)]
