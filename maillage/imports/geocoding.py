"""A client for the national address API (Base Adresse Nationale, `/search/?q=`).

Disabled unless the setting MAILLAGE_GEOCODER_URL names the service: the import then places
rows without coordinates at their commune's centre. A service that does not answer within
MAILLAGE_GEOCODER_TIMEOUT seconds is reported once and not asked again during that import.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from maillage.structures.models import Structure

# BAN result types → how precise the point is.
PRECISION_BY_TYPE = {
    "housenumber": Structure.GeoPrecision.HOUSENUMBER,
    "street": Structure.GeoPrecision.STREET,
    "locality": Structure.GeoPrecision.LOCALITY,
    "municipality": Structure.GeoPrecision.COMMUNE,
}
MINIMUM_SCORE = 0.5


class GeocoderUnavailable(Exception):
    """The service did not answer, or answered something that is not its GeoJSON."""


@dataclass(frozen=True)
class GeocodeResult:
    latitude: float
    longitude: float
    score: float
    precision: str
    citycode: str
    label: str


class BanGeocoder:
    def __init__(self, *, url: str, timeout: float = 3.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> BanGeocoder | None:
        url = getattr(settings, "MAILLAGE_GEOCODER_URL", "")
        if not url:
            return None
        return cls(url=url, timeout=float(getattr(settings, "MAILLAGE_GEOCODER_TIMEOUT", 3.0)))

    def geocode(
        self, *, query: str, citycode: str = "", postcode: str = ""
    ) -> GeocodeResult | None:
        """The best match for an address, or None when the service found nothing good enough.

        Raises GeocoderUnavailable when the service cannot be reached or answers garbage.
        """
        params = {"q": query, "limit": "1"}
        if citycode:
            params["citycode"] = citycode
        elif postcode:
            params["postcode"] = postcode
        request_url = f"{self.url}/search/?{urllib.parse.urlencode(params)}"
        if not request_url.startswith(("http://", "https://")):
            raise GeocoderUnavailable(f"not an http(s) URL: {self.url}")
        try:
            with urllib.request.urlopen(request_url, timeout=self.timeout) as response:  # noqa: S310
                content = json.loads(response.read().decode("utf-8"))
        except (TimeoutError, urllib.error.URLError, OSError, ValueError) as error:
            raise GeocoderUnavailable(str(error)) from error
        if not isinstance(content, dict) or not isinstance(content.get("features"), list):
            raise GeocoderUnavailable("the answer is not a GeoJSON FeatureCollection")
        for feature in content["features"][:1]:
            try:
                properties = feature["properties"]
                longitude, latitude = feature["geometry"]["coordinates"][:2]
                score = float(properties.get("score", 0))
            except (KeyError, TypeError, ValueError) as error:
                raise GeocoderUnavailable(f"unexpected feature: {error}") from error
            precision = PRECISION_BY_TYPE.get(properties.get("type", ""))
            if score < MINIMUM_SCORE or precision is None:
                return None
            return GeocodeResult(
                latitude=float(latitude),
                longitude=float(longitude),
                score=score,
                precision=precision,
                citycode=str(properties.get("citycode", "")),
                label=str(properties.get("label", "")),
            )
        return None
