"""The insights pages: /enseignements/ (dashboard, CSV, JSON, guide) and /territoires/.

Each view parses the filters, calls maillage.analyses, renders; the numbers come from one
Insights object so the page, its CSV files, its JSON and the guide agree.
"""

from __future__ import annotations

import math

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from maillage.analyses import coverage, dashboard, guide
from maillage.analyses.figures import figures_build
from maillage.analyses.geography import names_load
from maillage.analyses.kept import insights_kept
from maillage.analyses.profiles import KINDS, TerritoryNotFound, profile_build, territory_get
from maillage.analyses.selection import vocabulary_load
from maillage.structures.filters import Problem, StructureFilters
from maillage.structures.models import Structure, Term

SECTIONS = (
    ("distributions", gettext_lazy("Répartition des structures")),
    ("crosses", gettext_lazy("Tableaux croisés")),
    ("territories", gettext_lazy("Territoires")),
    ("coverage", gettext_lazy("Couverture du territoire")),
    ("openness", gettext_lazy("Niveau d'innovation ouverte")),
    ("resilience", gettext_lazy("Initiatives de résilience")),
)


def _distance(request, problems: list[Problem]) -> float:
    text = request.GET.get("distance", "").strip()
    if not text:
        return coverage.DEFAULT_DISTANCE_KM
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = math.nan
    if coverage.MIN_DISTANCE_KM <= value <= coverage.MAX_DISTANCE_KM:
        return value
    problems.append(
        Problem(
            "distance",
            text,
            _("Distance en kilomètres attendue, entre %(min)s et %(max)s ; %(default)s km retenus.")
            % {
                "min": f"{coverage.MIN_DISTANCE_KM:g}",
                "max": f"{coverage.MAX_DISTANCE_KM:g}",
                "default": f"{coverage.DEFAULT_DISTANCE_KM:g}",
            },
        )
    )
    return coverage.DEFAULT_DISTANCE_KM


class EditionUnknown(Http404):
    pass


def _edition(request):
    """The edition of ?edition=<number or slug>, None without it; EditionUnknown when
    it names no edition."""
    from maillage.contributions.editions import edition_get, edition_unknown_message

    key = request.GET.get("edition", "").strip()
    if not key:
        return None
    edition = edition_get(key)
    if edition is None:
        raise EditionUnknown(edition_unknown_message(key))
    return edition


class NotYetComputed(Exception):
    """The whole atlas's analyses are being computed and none was kept before."""

    def __init__(self, kept) -> None:
        super().__init__("insights not yet computed")
        self.kept = kept


def _insights(request, *, kept: bool = True):
    """The insights the request asks for, its problems, and, for the whole atlas's (no
    filter, default distance and coverage, no edition), the kept result they come from
    (maillage.analyses.kept; NotYetComputed when none is); kept None when computed here,
    always so with kept off (the guide, which lists the structures)."""
    filters = StructureFilters.parse(request.GET)
    problems = list(filters.problems)
    distance = _distance(request, problems)
    edition = _edition(request)
    request.maillage_edition = edition
    coverage_type = request.GET.get("couverture", coverage.ALL_TYPES)
    if (
        kept
        and edition is None
        and filters.is_empty()
        and distance == coverage.DEFAULT_DISTANCE_KM
        and coverage_type in ("", coverage.ALL_TYPES)
    ):
        result = insights_kept()
        if result.insights is None:
            raise NotYetComputed(result)
        return result.insights, problems, result
    selection = None
    if edition is not None:
        # As of a dated edition: the same analyses, on the structures its file froze.
        from maillage.contributions.edition_atlas import edition_selection

        selection = edition_selection(edition, filters=filters)
    insights = dashboard.insights_build(
        filters=filters,
        distance_km=distance,
        coverage_type=coverage_type,
        selection=selection,
    )
    return insights, problems, None


# What a client of the CSV and JSON is told while the first computation runs: to come back.
RETRY_AFTER_SECONDS = 30


def _not_yet(response: HttpResponse) -> HttpResponse:
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_cache=True)
    return response


def _kept_headers(response: HttpResponse, kept) -> HttpResponse:
    """Figures that may be replaced within minutes (data changed since, or a computation
    under way) are not kept by the page cache under the current data version, nor by
    another cache."""
    if kept is not None and not kept.current:
        patch_cache_control(response, no_cache=True)
    return response


def _query(request, *, drop=()) -> str:
    params = request.GET.copy()
    for name in drop:
        params.pop(name, None)
    return params.urlencode()


@require_safe
def insights_page(request):
    try:
        insights, problems, kept = _insights(request)
    except EditionUnknown as error:
        from maillage.web.edition_atlas_views import edition_unknown

        del error
        return edition_unknown(request, request.GET.get("edition", ""))
    except NotYetComputed as waiting:
        response = render(request, "web/insights/computing.html", {"kept": waiting.kept})
        patch_cache_control(response, no_cache=True)
        return response
    figures = figures_build(insights)
    vocabulary = insights.selection.vocabulary if insights.selection else vocabulary_load()
    response = render(
        request,
        "web/insights/dashboard.html",
        {
            "insights": insights,
            "kept": kept,
            "problems": problems,
            "scope": dashboard.scope_description(insights),
            "findings": dashboard.findings(insights),
            "sections": [
                (key, title, [f for f in figures if f.section == key]) for key, title in SECTIONS
            ],
            "query": _query(request),
            "regions": sorted((insights.names or names_load()).regions.items(), key=lambda r: r[1]),
            "types": vocabulary.of(Term.Kind.TYPE),
            "themes": vocabulary.of(Term.Kind.THEME),
            "selected_region": insights.filters.region[0] if insights.filters.region else "",
            "selected_type": insights.filters.type[0] if insights.filters.type else "",
            "selected_theme": insights.filters.theme[0] if insights.filters.theme else "",
            "coverage_types": vocabulary.of(Term.Kind.TYPE),
            "openness_method": insights.openness_method,
            "far_communes": insights.coverage.communes_far,
            "edition": request.maillage_edition,
        },
    )
    return _kept_headers(response, kept)


@require_safe
def insights_csv(request, key):
    try:
        insights, _problems, kept = _insights(request)
    except NotYetComputed:
        return _not_yet(
            HttpResponse(
                _("Les enseignements sont en cours de calcul ; réessayez dans une minute."),
                content_type="text/plain; charset=utf-8",
            )
        )
    table = insights.tables().get(key)
    if table is None:
        raise Http404(key)
    response = HttpResponse(table.as_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="maillage-{key}.csv"'
    return _kept_headers(response, kept)


@require_safe
def insights_json(request):
    try:
        insights, problems, kept = _insights(request)
    except NotYetComputed:
        return _not_yet(
            JsonResponse(
                {
                    "detail": _(
                        "Les enseignements sont en cours de calcul ; réessayez dans une minute."
                    )
                },
                json_dumps_params={"ensure_ascii": False},
            )
        )
    data = insights.as_data()
    # False: computed before the data's last change (a new computation is under way).
    data["current"] = kept is None or kept.current
    data["problems"] = [p.__dict__ for p in problems]
    return _kept_headers(JsonResponse(data, json_dumps_params={"ensure_ascii": False}), kept)


def _guide_filename(extension: str) -> str:
    return f"maillage-guide-{timezone.localdate().isoformat()}.{extension}"


@require_safe
def guide_html(request):
    insights, _problems, _kept = _insights(request, kept=False)
    return HttpResponse(guide.guide_html(insights))


@require_safe
def guide_pdf(request):
    insights, _problems, _kept = _insights(request, kept=False)
    pdf = guide.guide_pdf(guide.guide_html(insights))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_guide_filename("pdf")}"'
    return response


@require_safe
def territory_page(request, kind, code):
    if kind not in KINDS:
        raise Http404(kind)
    try:
        territory = territory_get(kind=kind, code=code)
    except TerritoryNotFound as error:
        raise Http404(_("Territoire inconnu : %(code)s") % {"code": code}) from error
    profile = profile_build(territory, names=names_load())
    ids = [item.id for item in profile.items]
    structures = (
        Structure.objects.filter(id__in=ids)
        .select_related("main_type", "commune__department__region")
        .order_by("name")
        if len(ids) <= 200
        else Structure.objects.none()
    )
    return render(
        request,
        "web/insights/territory.html",
        {
            "profile": profile,
            "territory": territory,
            "structures": structures,
            "many_structures": len(ids) > 200,
            "filter_query": _territory_filter(territory),
        },
    )


def _territory_filter(territory) -> str:
    parameter = {
        "region": "region",
        "departement": "department",
        "epci": "epci",
        "commune": "",
    }[territory.kind]
    return f"{parameter}={territory.code}" if parameter else ""
