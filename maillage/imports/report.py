"""Stage 9: what happened to every record, for the person who ran the import."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.imports.duplicates import Duplicate
from maillage.imports.records import FieldError


@dataclass(frozen=True)
class Outcome:
    line: int
    uid: str
    name: str
    changed: tuple[str, ...] = ()  # fields written, for updates


@dataclass
class ImportReport:
    path: Path
    format: str = ""
    profile: str = ""
    dry_run: bool = False
    accept_valid_rows: bool = False
    row_label: str = "ligne"
    created: list[Outcome] = field(default_factory=list)
    updated: list[Outcome] = field(default_factory=list)
    unchanged: list[Outcome] = field(default_factory=list)
    rejected: dict[int, list[FieldError]] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    notes: dict[int, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.rejected)

    @property
    def valid(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)

    @property
    def has_errors(self) -> bool:
        return bool(self.rejected)

    def summary(self) -> str:
        if self.written:
            state = _("Import terminé")
        elif self.dry_run:
            state = _("Simulation (--dry-run) : rien n'a été enregistré")
        elif self.has_errors:
            state = _(
                "Rien n'a été enregistré : le fichier contient des erreurs. Corrigez-les, ou "
                "relancez avec --accept-valid-rows pour n'importer que les lignes valides"
            )
        else:
            state = _("Rien à enregistrer")
        counts = _(
            "%(total)s enregistrements lus : %(created)s créés, %(updated)s modifiés, "
            "%(unchanged)s inchangés, %(rejected)s rejetés"
        ) % {
            "total": self.total,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
        }
        return f"{state}.\n{counts} ({self.path.name}, {self.format}, profil {self.profile})."

    def lines(self, *, verbose: bool = False) -> list[str]:
        """The report as text lines: summary, warnings, rejections, duplicates, then notes."""
        out = [self.summary()]
        out += [_("Attention : %s") % warning for warning in self.warnings]
        if self.rejected:
            out.append(
                ngettext(
                    "%d enregistrement rejeté :", "%d enregistrements rejetés :", len(self.rejected)
                )
                % len(self.rejected)
            )
            for line in sorted(self.rejected):
                for error in self.rejected[line]:
                    where = f"{self.row_label} {line}"
                    if error.column:
                        where += _(", colonne « %s »") % error.column
                    value = _(" (valeur « %s »)") % error.value if error.value else ""
                    out.append(f"  - {where}{value} : {error.message}")
        if self.duplicates:
            out.append(
                ngettext(
                    "%d doublon probable (rien n'a été fusionné) :",
                    "%d doublons probables (rien n'a été fusionné) :",
                    len(self.duplicates),
                )
                % len(self.duplicates)
            )
            for duplicate in self.duplicates:
                out.append(
                    f"  - {self.row_label} {duplicate.line} « {duplicate.name} » ≈ "
                    f"{duplicate.other} : {duplicate.reason}"
                )
        if verbose:
            for line in sorted(self.notes):
                for note in self.notes[line]:
                    out.append(f"  · {self.row_label} {line} : {note}")
            for outcome in self.updated:
                out.append(
                    _("  · %(label)s %(line)s « %(name)s » modifiée : %(fields)s")
                    % {
                        "label": self.row_label,
                        "line": outcome.line,
                        "name": outcome.name,
                        "fields": ", ".join(outcome.changed),
                    }
                )
        elif self.notes:
            out.append(
                _("%d enregistrements ont des remarques (détail avec --verbosity 2).")
                % len(self.notes)
            )
        return out
