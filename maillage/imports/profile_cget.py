"""Profile "cget-tiers-lieux-2019": the 2019 national census of tiers-lieux (CGET / ANCT).

See data/tiers-lieux-cget-2019/README.md for the columns. The census is from 2019: its
records are published but not verified (no verification date).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from maillage.imports.cells import cell_text, normalise_url, url_host
from maillage.imports.records import MappedRow
from maillage.structures.models import Structure
from maillage.structures.text_search import fold

SOURCE = "cget-tiers-lieux-2019"
TYPES = {
    "tiers lieux a dominante coworking": "tiers-lieu",
    "tiers lieux a dominante fablab": "fablab",
}
# Social-network columns sometimes hold another network's address: keep only the right one.
NETWORK_HOSTS = {
    "twitter": ("twitter.com", "x.com", "mobile.twitter.com"),
    "facebook": ("facebook.com", "fr-fr.facebook.com", "m.facebook.com", "fr.facebook.com"),
}


def precision_from_score(score: float) -> str:
    """The census geocoder's score (0–1, some rows on a 0–10 scale) → a precision level."""
    if score > 1:
        score = score / 10
    if score >= 0.9:
        return Structure.GeoPrecision.HOUSENUMBER
    if score >= 0.7:
        return Structure.GeoPrecision.STREET
    if score >= 0.5:
        return Structure.GeoPrecision.LOCALITY
    return Structure.GeoPrecision.COMMUNE


def _clean_url(row: MappedRow, name: str) -> None:
    raw = cell_text(row.fields.get(name))
    if not raw:
        return
    kept = ""
    for token in raw.split():
        url = normalise_url(token)
        hosts = NETWORK_HOSTS.get(name)
        if url and (hosts is None or url_host(url) in hosts or url_host(url).endswith(hosts)):
            kept = url
            break
    if kept != raw:
        row.notes.append(
            _("%(column)s « %(value)s » lu comme « %(kept)s ».")
            % {"column": row.columns.get(name, name), "value": raw, "kept": kept or _("(vide)")}
        )
    row.fields[name] = kept


def adapt(row: MappedRow) -> None:
    typo = cell_text(row.fields.get("main_type"))
    if not typo:
        row.fields["main_type"] = "tiers-lieu"
        row.notes.append(_("Type absent du recensement : classé tiers-lieu."))
    else:
        row.fields["main_type"] = TYPES.get(fold(typo), typo)
    for name in ("commune_code", "postcode"):
        if cell_text(row.fields.get(name)) in ("0", "00000"):
            row.fields[name] = ""
    for name in ("website", "twitter", "facebook"):
        _clean_url(row, name)
    score_text = cell_text(row.fields.pop("geo_score", "")).replace(",", ".")
    has_coordinates = cell_text(row.fields.get("latitude")) and cell_text(
        row.fields.get("longitude")
    )
    if has_coordinates:
        try:
            score = float(score_text)
        except ValueError:
            row.fields["geo_precision"] = Structure.GeoPrecision.LOCALITY
            row.fields["geo_source"] = _("Géocodage CGET 2019 (score inconnu)")
        else:
            row.fields["geo_precision"] = precision_from_score(score)
            row.fields["geo_source"] = _("Géocodage CGET 2019 (score %s)") % score_text


def cget_profile():
    from maillage.imports.profiles import Profile

    return Profile(
        name=SOURCE,
        label=_("Recensement des tiers-lieux CGET 2019"),
        columns={
            "source_record_id": "ID",
            "name": "NOM_TL",
            "address": "ADRESSE",
            "postcode": "CP",
            "commune_code": "INSEECOM",
            "commune_name": "NOMCOM",
            "department_code": "INSEEDEP",
            "website": "WEB",
            "twitter": "TWITTER",
            "facebook": "FACEBOOK",
            "main_type": "TYPO",
            "latitude": "LAT",
            "longitude": "LONG",
            "geo_score": "PRECISION",
        },
        signature=frozenset({"ID", "NOM_TL", "INSEECOM", "TYPO"}),
        source=SOURCE,
        # Territory columns of 2019, recomputed from today's referential.
        ignored=frozenset(
            "COMINIT GEOCOD METRO NOMMETRO INSEEREG NOMREG INSEEMETRO NOMCOMMETRO POPCOM "
            "COMCLASS INSEE_ZE NOM_ZE CLASS_ZE POP_ZE".split()
        ),
        defaults={"status": "published"},
        adapt=adapt,
    )
