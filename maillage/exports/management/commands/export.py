"""`maillage export`: write the published structures as CSV, XLSX, GeoJSON or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.exports.table_schema import table_schema
from maillage.exports.writers import FORMATS, export_structures
from maillage.structures.models import Structure


def schema_path_for(output: Path) -> Path:
    """structures.csv → structures.schema.json, beside it."""
    return output.with_name(f"{output.stem}.schema.json")


class Command(BaseCommand):
    help = _("Exporte les structures publiées (voir docs/export.md).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=FORMATS, default="csv", help=_("Format du fichier.")
        )
        parser.add_argument(
            "-o", "--output", type=Path, help=_("Fichier à écrire (sinon la sortie standard).")
        )
        parser.add_argument(
            "--schema",
            type=Path,
            help=_("Où écrire le Table Schema (par défaut à côté du fichier : NOM.schema.json)."),
        )

    def handle(self, *args, **options):
        file_format, output, schema = options["format"], options["output"], options["schema"]
        queryset = Structure.objects.published()
        if output is None:
            if file_format == "xlsx":
                raise CommandError(
                    _("Le format xlsx s'écrit dans un fichier : ajoutez -o FICHIER.xlsx.")
                )
            export_structures(queryset=queryset, format=file_format, stream=sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            try:
                with output.open("wb") as stream:
                    count = export_structures(queryset=queryset, format=file_format, stream=stream)
            except OSError as error:
                raise CommandError(
                    _("Impossible d'écrire %(path)s : %(error)s")
                    % {"path": output, "error": error.strerror}
                ) from None
            schema = schema or schema_path_for(output)
            self.stderr.write(
                _("%(count)s structures écrites dans %(path)s.") % {"count": count, "path": output}
            )
        if schema is not None:
            schema.write_text(
                json.dumps(table_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            self.stderr.write(_("Table Schema écrit dans %s.") % schema)
