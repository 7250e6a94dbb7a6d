"""The guide: the study's lessons recomputed from current data, as HTML and PDF.

The same figures (SVG charts, sentences, tables) as /enseignements/, laid out as a printed
document by WeasyPrint: cover with date and scope, method and sources, key figures, each
chart with its computed sentence, territorial and coverage findings, resilience initiatives,
the practice sheets of the selected structures, and an annex listing the structures.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import Count
from django.template.loader import render_to_string

from maillage.analyses import dashboard
from maillage.analyses.dashboard import Insights
from maillage.analyses.figures import figures_build
from maillage.practices.selectors import guide_practices
from maillage.structures.models import Source, Term


def guide_context(insights: Insights) -> dict:
    selection = insights.selection
    types = {t.slug: t for t in selection.vocabulary.of(Term.Kind.TYPE)}
    sources = (
        Source.objects.filter(structures__in=selection.ids())
        .annotate(n=Count("structures"))
        .order_by("-n", "name")
        if insights.total
        else []
    )
    return {
        "insights": insights,
        "scope": dashboard.scope_description(insights),
        "findings": dashboard.findings(insights),
        "figures": figures_build(insights),
        "sources": list(sources),
        "licence": settings.DATA_LICENCE,
        "annex": [(item, types.get(item.type)) for item in selection.items],
        "openness_method": insights.openness_method,
        "far_communes": insights.coverage.communes_far,
        # Published practice sheets linked to a structure of the selection.
        "practices": guide_practices(structure_ids=selection.ids()) if insights.total else [],
    }


def guide_html(insights: Insights, *, context: dict | None = None) -> str:
    """The guide as one self-contained HTML document (styles inline, charts inline)."""
    return render_to_string("analyses/guide.html", context or guide_context(insights))


def guide_pdf(html: str) -> bytes:
    """The guide's HTML laid out as PDF by WeasyPrint (its progress is logged on the
    "weasyprint.progress" logger, quiet unless a caller listens)."""
    from weasyprint import HTML

    progress = logging.getLogger("weasyprint.progress")
    if progress.level == logging.NOTSET:
        progress.setLevel(logging.WARNING)
    return HTML(string=html).write_pdf()
