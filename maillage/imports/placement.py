"""Stage 5: give every record coordinates and say how they were obtained.

Coordinates from the file are kept; an address without coordinates is geocoded when the
national address API is configured; otherwise the record goes to its commune's centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.imports.geocoding import BanGeocoder, GeocoderUnavailable
from maillage.imports.records import Record
from maillage.referential.models import Commune
from maillage.structures.models import Structure

_CHUNK = 900

# What the geo_source of a placed record says, translated once per Placer (below).
_FROM_SOURCE = gettext_noop("Coordonnées fournies par la source « %s »")
_COMMUNE_CENTRE = gettext_noop("Centre de la commune (référentiel Maillage)")


@dataclass
class CommuneInfo:
    name: str
    latitude: float | None
    longitude: float | None


def communes_by_code(codes: set[str] | None) -> dict[str, CommuneInfo]:
    """The communes of codes (None: every commune of the referential)."""
    found: dict[str, CommuneInfo] = {}
    if codes is None:
        for code, name, latitude, longitude in Commune.objects.values_list(
            "code", "name", "latitude", "longitude"
        ):
            found[code] = CommuneInfo(name, latitude, longitude)
        return found
    ordered = sorted(code for code in codes if code)
    for start in range(0, len(ordered), _CHUNK):
        rows = Commune.objects.filter(code__in=ordered[start : start + _CHUNK]).values_list(
            "code", "name", "latitude", "longitude"
        )
        for code, name, latitude, longitude in rows:
            found[code] = CommuneInfo(name, latitude, longitude)
    return found


@dataclass
class Placer:
    communes: dict[str, CommuneInfo]
    geocoder: BanGeocoder | None
    warnings: list[str] = field(default_factory=list)
    # Message → its translation in the language of the import (a Placer serves one import):
    # gettext per record was 2 s of an import of 100,000 rows (BENCHMARKS.md, import7).
    _texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def _text(self, message: str) -> str:
        text = self._texts.get(message)
        if text is None:
            text = self._texts[message] = _(message)
        return text

    def place(self, record: Record) -> None:
        values = record.values
        commune = self.communes.get(values.get("commune_code") or "")
        record.commune_name = commune.name if commune else ""
        if values.get("latitude") is not None:
            if not values.get("geo_precision"):
                values["geo_precision"] = Structure.GeoPrecision.LOCALITY
            if "geo_source" not in values:
                values["geo_source"] = self._text(_FROM_SOURCE) % values.get("source", "")
            return
        if values.get("geo_precision") == Structure.GeoPrecision.NONE:
            return  # stated as not located
        if values.get("address") and self.geocoder is not None and self._geocode(record):
            return
        if commune and commune.latitude is not None:
            values["latitude"], values["longitude"] = commune.latitude, commune.longitude
            values["geo_precision"] = Structure.GeoPrecision.COMMUNE
            values["geo_source"] = self._text(_COMMUNE_CENTRE)
        else:
            values["latitude"] = values["longitude"] = None
            values["geo_precision"] = Structure.GeoPrecision.NONE
            values["geo_source"] = ""
            record.notes.append(_("Aucune coordonnée connue pour cette commune : non localisée."))

    def _geocode(self, record: Record) -> bool:
        values = record.values
        assert self.geocoder is not None
        try:
            result = self.geocoder.geocode(
                query=values["address"],
                citycode=values.get("commune_code", ""),
                postcode=values.get("postcode", ""),
            )
        except GeocoderUnavailable as error:
            self.geocoder = None
            self.warnings.append(
                _(
                    "Le service de géocodage ne répond pas (%s) : les adresses sans coordonnées "
                    "ont été placées au centre de leur commune."
                )
                % error
            )
            return False
        if result is None or (
            values.get("commune_code") and result.citycode != values["commune_code"]
        ):
            return False
        values["latitude"], values["longitude"] = result.latitude, result.longitude
        values["geo_precision"] = result.precision
        values["geo_source"] = _("Base Adresse Nationale (score %.2f)") % result.score
        return True
