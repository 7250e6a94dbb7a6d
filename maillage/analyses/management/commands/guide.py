"""`maillage guide -o guide.pdf [--region 53 --theme mobilite ...]`: the guide from live data.

The output's extension picks the format (.pdf or .html). Filters are the atlas filters
(the same names as the map's and the API's query parameters); several values are separated
by commas. Progress goes to stderr, the summary to stdout.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from maillage.analyses import coverage, dashboard, guide
from maillage.structures.filters import FILTER_PARAMETERS, StructureFilters

# Options taken from the atlas filters; bbox and near make little sense for a printed guide.
FILTER_OPTIONS = [p for p in FILTER_PARAMETERS if p not in {"bbox", "near", "radius"}]


class _PageProgress(logging.Handler):
    """Shows WeasyPrint's layout progress ("Step 5 - Creating layout - Page 12") on one line."""

    def __init__(self, write):
        super().__init__(logging.INFO)
        self.write = write

    def emit(self, record):
        message = record.getMessage()
        if "Page" in message:
            self.write(
                "\r  " + _("mise en page : page %(page)s") % {"page": message.rsplit(" ", 1)[-1]}
            )


class Command(BaseCommand):
    help = _("Produit le guide des enseignements (PDF ou HTML) à partir des données à jour.")

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", required=True, help=_("Fichier à écrire : .pdf ou .html.")
        )
        parser.add_argument(
            "--distance",
            type=float,
            default=coverage.DEFAULT_DISTANCE_KM,
            help=_("Distance des zones blanches, en km (20 par défaut)."),
        )
        parser.add_argument("--language", default="fr", choices=["fr", "en"])
        for name in FILTER_OPTIONS:
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=f"filter_{name}",
                default=None,
                help=_("Filtre « %(name)s » de l'atlas (valeurs séparées par des virgules).")
                % {"name": name},
            )

    def handle(self, *args, **options):
        output = Path(options["output"])
        if output.suffix.lower() not in {".pdf", ".html"}:
            raise CommandError(_("Le fichier de sortie doit finir par .pdf ou .html : %s") % output)
        if not coverage.MIN_DISTANCE_KM <= options["distance"] <= coverage.MAX_DISTANCE_KM:
            raise CommandError(_("La distance doit être comprise entre 1 et 200 km."))
        params = {
            name: [options[f"filter_{name}"]]
            for name in FILTER_OPTIONS
            if options.get(f"filter_{name}") not in (None, "")
        }
        started = time.perf_counter()
        with translation.override(options["language"]):
            filters = StructureFilters.parse(params)
            if filters.problems:
                lines = [f"--{p.parameter} {p.value} : {p.message}" for p in filters.problems]
                raise CommandError("\n".join(lines))
            self._step(1, _("Calcul des enseignements…"))
            insights = dashboard.insights_build(filters=filters, distance_km=options["distance"])
            self._step(
                2,
                _("%(count)s structures, rendu des graphiques et du document…")
                % {"count": insights.total},
            )
            html = guide.guide_html(insights)
            if output.suffix.lower() == ".html":
                output.write_text(html, encoding="utf-8")
            else:
                self._step(3, _("Mise en page du PDF…"))
                output.write_bytes(self._pdf(html))
        self.stdout.write(
            _("Guide écrit : %(path)s (%(size)s Ko, %(seconds).1f s).")
            % {
                "path": output,
                "size": output.stat().st_size // 1024,
                "seconds": time.perf_counter() - started,
            }
        )

    def _step(self, number: int, message: str) -> None:
        self.stderr.write(f"[{number}/3] {message}")

    def _pdf(self, html: str) -> bytes:
        logger = logging.getLogger("weasyprint.progress")
        handler = _PageProgress(lambda text: self.stderr.write(text, ending=""))
        previous = (logger.level, logger.propagate)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger.addHandler(handler)
        try:
            return guide.guide_pdf(html)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous[0])
            logger.propagate = previous[1]
            self.stderr.write("")
