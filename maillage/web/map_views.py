"""The dynamic map (/carte/): the page, its embeddable frame, and the data its code reads.

The page renders the filters (with their labels) and the configuration of the browser code;
the browser then loads the map payload (one immutable, versioned file) and asks `selection`
which points match the filters, with the facet counts. See maillage.structures.map_data.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from maillage.referential.models import Commune, Department, Epci, Region
from maillage.structures import map_data as map_domain
from maillage.structures import map_kept
from maillage.structures.filters import (
    FILTER_PARAMETERS,
    VOCABULARY_FACETS,
    Problem,
    StructureFilters,
)
from maillage.structures.models import Structure, Term
from maillage.web.templatetags.maillage_web import css_color

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
# Parameters of the map's own state, beside the filters.
MAP_PARAMETERS = ("at", "structure")
_AT = re.compile(r"^(\d{1,2}(?:\.\d+)?)/(-?\d{1,2}(?:\.\d+)?)/(-?\d{1,3}(?:\.\d+)?)$")
_ONE_YEAR = 365 * 24 * 3600
# Where the map opens: metropolitan France, and the overseas regions one click away.
OVERSEAS = (
    ("metropole", 5.2, 46.6, 2.4),
    ("guadeloupe", 9.0, 16.2, -61.55),
    ("martinique", 9.5, 14.64, -61.02),
    ("guyane", 6.6, 4.0, -53.1),
    ("reunion", 9.0, -21.13, 55.53),
    ("mayotte", 10.0, -12.82, 45.15),
)


# -- the page ------------------------------------------------------------------------------


@dataclass
class FilterOption:
    value: str
    label: str
    selected: bool
    color: str = ""


@dataclass
class FilterGroup:
    parameter: str
    legend: str
    options: list[FilterOption]
    combinable: bool = False  # has an OR / AND choice
    mode: str = "or"
    boolean: bool = False  # all / yes / no
    long: bool = False  # many options: scrolls, hides the empty ones
    open: bool = False
    selected_count: int = field(init=False, default=0)

    def __post_init__(self):
        self.selected_count = sum(option.selected for option in self.options)


def _filter_groups(filters: StructureFilters) -> list[FilterGroup]:
    terms: dict[str, list[Term]] = {}
    for term in Term.objects.all():
        terms.setdefault(term.kind, []).append(term)
    legends = {
        "type": _("Type de structure"),
        "theme": _("Thématique"),
        "format": _("Format d'activité"),
        "audience": _("Public accompagné"),
        "partner": _("Type de partenaire"),
    }
    groups = []
    for facet in VOCABULARY_FACETS:
        chosen = getattr(filters, facet.parameter)
        options = [
            FilterOption(
                term.slug,
                term.label,
                term.slug in chosen,
                css_color(term.color) if facet.parameter == "type" else "",
            )
            for term in terms.get(facet.kind, [])
        ]
        groups.append(
            FilterGroup(
                facet.parameter,
                legends[facet.parameter],
                options,
                combinable=True,
                mode=filters.mode(facet.parameter),
                long=len(options) > 12,
                open=facet.parameter == "type" or bool(chosen),
            )
        )
    regions = [
        FilterOption(region.code, region.name, region.code in filters.region)
        for region in Region.objects.all()
    ]
    departments = [
        FilterOption(d.code, f"{d.name} ({d.code})", d.code in filters.department)
        for d in Department.objects.all()
    ]
    territories = [
        FilterOption(value, str(label), value in filters.territory)
        for value, label in Epci.Kind.choices
    ]
    sizes = [
        FilterOption(value, str(label), value in filters.size)
        for value, label in Commune.SizeClass.choices
    ]
    groups += [
        FilterGroup("region", _("Région"), regions, long=True, open=bool(filters.region)),
        FilterGroup(
            "department", _("Département"), departments, long=True, open=bool(filters.department)
        ),
        FilterGroup("territory", _("Intercommunalité"), territories, open=bool(filters.territory)),
        FilterGroup("size", _("Taille de la commune"), sizes, open=bool(filters.size)),
        _boolean_group(
            "resilience",
            _("Initiatives de résilience"),
            filters.resilience,
            _("Avec au moins une initiative"),
            _("Sans initiative"),
        ),
        _boolean_group(
            "verified",
            _("Vérification"),
            filters.verified,
            _("Fiche vérifiée"),
            _("Fiche non vérifiée"),
        ),
    ]
    return groups


def _boolean_group(parameter, legend, value, yes, no) -> FilterGroup:
    options = [
        FilterOption("", _("Toutes"), value is None),
        FilterOption("yes", yes, value is True),
        FilterOption("no", no, value is False),
    ]
    group = FilterGroup(parameter, legend, options, boolean=True, open=value is not None)
    group.selected_count = int(value is not None)
    return group


def _map_problems(request, filters: StructureFilters) -> tuple[list[Problem], dict, str]:
    """Problems with the URL beyond the filters' own: unknown parameters, `at`, `structure`.

    Returns the problems, the position (or {}) and the uid of the structure to open (or "").
    """
    problems = list(filters.problems)
    known = set(FILTER_PARAMETERS) | set(MAP_PARAMETERS)
    for name in request.GET:
        if name not in known:
            problems.append(
                Problem(name, request.GET.get(name, ""), _("Paramètre inconnu, ignoré."))
            )
    position: dict = {}
    at = request.GET.get("at", "")
    if at:
        match = _AT.match(at)
        zoom, lat, lon = (float(part) for part in match.groups()) if match else (-1, 0, 0)
        if 0 <= zoom <= 22 and -85 <= lat <= 85 and -180 <= lon <= 180:
            position = {"zoom": zoom, "lat": lat, "lon": lon}
        else:
            problems.append(
                Problem(
                    "at",
                    at,
                    _("Position attendue : zoom/latitude/longitude, par exemple 6/46.6/2.4."),
                )
            )
    uid = request.GET.get("structure", "")
    if uid and not Structure.objects.published().filter(uid=uid).exists():
        problems.append(
            Problem("structure", uid, _("Aucune structure publiée n'a cet identifiant."))
        )
        uid = ""
    return problems, position, uid


def _strings() -> dict:
    """The browser code's user-facing text, translated here ("one"/"other" plural forms)."""

    def ngettext_forms(singular: str, plural_form: str) -> dict:
        # Extracted by makemessages (see maillage/web/management/commands/makemessages.py).
        return {
            "one": ngettext(singular, plural_form, 1),
            "other": ngettext(singular, plural_form, 2),
        }

    return {
        "count": ngettext_forms("%(count)s structure", "%(count)s structures"),
        "unplaced": ngettext_forms("dont %(count)s non localisée", "dont %(count)s non localisées"),
        # Over an older payload (kept while the current one is written), the structures
        # published or placed since are counted and not drawn yet.
        "notDrawn": ngettext_forms(
            "dont %(count)s non localisée ou pas encore sur la carte",
            "dont %(count)s non localisées ou pas encore sur la carte",
        ),
        "inView": ngettext_forms(
            "%(count)s structure dans la vue", "%(count)s structures dans la vue"
        ),
        "more": ngettext_forms(
            "et %(count)s autre : zoomez ou filtrez pour la voir.",
            "et %(count)s autres : zoomez ou filtrez pour les voir.",
        ),
        "noneInView": _("Aucune structure dans cette partie de la carte."),
        "loadFailed": _("Les données de la carte n'ont pas pu être chargées. Rechargez la page."),
        "cardFailed": _("La fiche n'a pas pu être chargée."),
        "structure": _("Structure"),
        "commune": _("Commune"),
        "theme": _("Thématique"),
        "search": _("Recherche"),
        "searchFor": _("Rechercher « %(q)s »"),
        "noSuggestion": _("Aucune suggestion"),
        "suggestions": ngettext_forms("%(count)s suggestion", "%(count)s suggestions"),
        "removeFilter": _("Retirer le filtre %(label)s"),
        "zoomIn": _("Zoom avant"),
        "zoomOut": _("Zoom arrière"),
        "resetBearing": _("Réorienter vers le nord"),
        "mapLabel": _("Carte interactive des structures"),
    }


def _labels(groups: list[FilterGroup]) -> dict:
    return {
        group.parameter: {option.value: option.label for option in group.options}
        for group in groups
    }


def _map_context(request, *, embed: bool) -> dict:
    filters = StructureFilters.parse(request.GET)
    problems, position, uid = _map_problems(request, filters)
    groups = _filter_groups(filters)
    # The newest payload written: while the current data's is written in the background,
    # the previous one, which the page says.
    kept = map_kept.map_kept()
    version = kept.version
    types = [
        {"slug": term.slug, "label": term.label, "color": css_color(term.color)}
        for term in Term.objects.filter(kind=Term.Kind.TYPE)
    ]
    vendor = "vendor/maplibre-gl-6.17.0/"
    config = {
        "embed": embed,
        "language": get_language() or settings.LANGUAGE_CODE,
        "version": version,
        # The payload holds the data as it is now (see map_kept).
        "current": kept.current,
        "styleUrl": getattr(settings, "MAP_STYLE_URL", ""),
        "urls": {
            "data": reverse("map:data", args=[version]),
            # Another version's, when a selection answers over another payload.
            "versionData": reverse("map:data", args=["__version__"]),
            "selection": reverse("map:selection"),
            "suggestions": reverse("map:suggestions"),
            "card": reverse("map:card", args=["__uid__"]),
            "export": reverse("map:export", args=["__format__"]),
            "map": reverse("map:map"),
            "embed": reverse("map:embed"),
            "share": reverse("map:share"),
            "regions": static("maillage/geo/regions.geojson"),
            "departments": static("maillage/geo/departments.geojson"),
            "worker": static(vendor + "maplibre-gl-worker.mjs"),
        },
        "types": {t["slug"]: {"label": t["label"], "color": t["color"]} for t in types},
        "labels": _labels(groups),
        "strings": _strings(),
        "places": {name: [zoom, lat, lon] for name, zoom, lat, lon in OVERSEAS},
        "initial": {"query": _filter_query(filters), "position": position, "structure": uid},
    }
    return {
        "filters": filters,
        "groups": groups,
        "problems": problems,
        "types": types,
        "config": config,
        "version": version,
        "map_kept": kept,
        "embed": embed,
        "places": [
            (name, label)
            for name, label in (
                ("metropole", _("Métropole")),
                ("guadeloupe", "Guadeloupe"),
                ("martinique", "Martinique"),
                ("guyane", "Guyane"),
                ("reunion", "La Réunion"),
                ("mayotte", "Mayotte"),
            )
        ],
        "export_formats": [("csv", "CSV"), ("xlsx", "XLSX"), ("geojson", "GeoJSON")],
        "filter_query": _filter_query(filters),
        "maplibre": {
            "module": vendor + "maplibre-gl.mjs",
            "css": vendor + "maplibre-gl.css",
        },
    }


def _filter_query(filters: StructureFilters) -> str:
    return urlencode(filters.as_params(), doseq=True)


@require_safe
def map_page(request):
    if request.GET.get("edition"):
        # The map of an edition lives on its own path, which the page's state keeps.
        from django.shortcuts import redirect

        params = request.GET.copy()
        key = params.pop("edition")[-1]
        target = reverse("map:edition", args=[key])
        return redirect(f"{target}?{params.urlencode()}" if params else target)
    context = _map_context(request, embed=False)
    return _stale_not_kept(render(request, "web/map/map.html", context), context)


def _stale_not_kept(response, context: dict):
    # A page naming an older payload says so, until the current one is written: the page
    # cache (and any other) keeps only pages of the current one.
    if not context["map_kept"].current:
        patch_cache_control(response, no_cache=True)
    return response


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def map_embed(request):
    # The one page other sites may frame; the rest of its policy is the site's.
    context = _map_context(request, embed=True)
    return _stale_not_kept(render(request, "web/map/embed.html", context), context)


@require_safe
def map_share(request):
    filters = StructureFilters.parse(request.GET)
    query = _filter_query(filters)
    at = request.GET.get("at", "")
    if at and _AT.match(at):
        query = f"{query}&at={at}" if query else f"at={at}"
    embed_url = request.build_absolute_uri(reverse("map:embed"))
    if query:
        embed_url = f"{embed_url}?{query}"
    map_url = reverse("map:map") + (f"?{query}" if query else "")
    return render(
        request,
        "web/map/share.html",
        {"embed_url": embed_url, "map_url": map_url, "problems": filters.problems},
    )


# -- the data the browser reads -------------------------------------------------------------


def _accepts_gzip(request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _to_served() -> HttpResponse:
    """Send an old page's request to the payload the map serves now, briefly cached."""
    response = HttpResponse(status=302)
    response["Location"] = reverse("map:data", args=[map_kept.map_kept().version])
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def map_data(request, version):
    """The payload, on a URL that names its version: cached for a year, anywhere."""
    served, current = version, None
    if not map_kept.map_version_kept(version):
        current = map_domain.map_data_version()
        if version != current:
            if not map_domain.same_data(version, current):
                # Unknown, or removed since (two changes of the data ago).
                return _to_served()
            # The same data named by a process of another release (a deployment in
            # progress): served, not redirected (processes of the two releases would send
            # the browser back and forth), and not kept under a name whose content may
            # differ.
            served = current
    etag = f'"{served}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        gzipped = _accepts_gzip(request)
        # The current data's is written first if it is not kept yet.
        stream = map_kept.map_payload_open(served, gzipped=gzipped, now=current)
        if stream is None:  # the data changed again while it was written
            return _to_served()
        response = FileResponse(stream, content_type="application/json")
        response.headers.pop("Content-Disposition", None)  # (from the file name)
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    if served == version:
        response["Cache-Control"] = f"public, max-age={_ONE_YEAR}, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


@require_safe
def map_selection(request):
    """Which points of a payload match the filters, with the facet counts (JSON): of the
    payload the browser holds (`version`) while it is kept, else of the one served now.
    Filters apply to the data as it is now; with none, the selection kept with the payload
    answers (the map with no filter is the data as of its payload)."""
    filters = StructureFilters.parse(request.GET)
    now = map_domain.map_data_version()
    version = request.GET.get("version", "")
    if not map_kept.map_version_kept(version):
        version = map_kept.map_kept(now=now).version
    order = map_kept.map_order(version, now=now)
    if order is None:  # removed, or the data changed again, since it was looked for
        now = map_domain.map_data_version()
        version = map_kept.map_kept(now=now).version
        order = map_kept.map_order(version, now=now)
        if order is None:
            # The data changed twice while the selection was read (writes in quick
            # succession): the browser asks again in a moment.
            response = JsonResponse(
                {"detail": _("La carte est mise à jour : réessayez dans un instant.")},
                status=503,
            )
            response["Retry-After"] = "1"
            response["Cache-Control"] = "no-store"
            return response
    # With no filter, the one kept with the payload (of its data, said by the page).
    selection = map_kept.map_selection_kept(version, now=now) if filters.is_empty() else None
    if selection is None:
        selection = map_domain.map_selection(filters=filters, version=version, order=order, now=now)
    body = selection.as_dict()
    body["problems"] = [
        {"parameter": p.parameter, "value": p.value, "message": p.message} for p in filters.problems
    ]
    response = JsonResponse(body)
    # The answer depends on the payload, the data now, the query and the language of the
    # problems.
    key = f"{selection.version}|{now}?{request.GET.urlencode()}#{get_language()}"
    response["ETag"] = f'"{hashlib.sha256(key.encode()).hexdigest()[:20]}"'
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_safe
def map_suggestions(request):
    query = request.GET.get("q", "").strip()[:100]
    response = JsonResponse(map_domain.map_suggestions(query=query))
    response["Cache-Control"] = "public, max-age=60"
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


@require_safe
def map_card(request, uid):
    structure = (
        Structure.objects.published()
        .select_related("main_type", "commune__department")
        .prefetch_related("themes")
        .filter(uid=uid)
        .first()
    )
    if structure is None:
        raise Http404(uid)
    return render(request, "web/map/card.html", {"structure": structure})


@require_safe
def map_export(request, file_format):
    """Exactly the map's selection (its filters and search), as a file to download."""
    if file_format not in EXPORT_FORMATS:
        raise Http404(file_format)
    from maillage.exports.writers import export_structures

    filters = StructureFilters.parse(request.GET)
    queryset = filters.apply(Structure.objects.published(), rank=False).order_by("name", "pk")
    stream = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    export_structures(queryset=queryset, format=file_format, stream=stream)
    stream.seek(0)
    filename = f"maillage-selection-{datetime.date.today().isoformat()}.{file_format}"
    response = FileResponse(
        stream, as_attachment=True, filename=filename, content_type=EXPORT_FORMATS[file_format]
    )
    response["Cache-Control"] = "no-store"
    return response
