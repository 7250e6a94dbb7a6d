"""The public history of a structure: its recorded changes, told for anyone to read.

Who made a change is said by role, with a short pseudonym that lets a reader see that two
changes came from the same account without learning who holds it: never a name, never an
e-mail address. Contacts appear by name and role only (their address and phone are
published on the structure page when the person consented, not repeated in the history).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from maillage.contributions.models import Edition, StructureRevision
from maillage.contributions.records import changed_fields, field_title
from maillage.exports.columns import DERIVED_COLUMNS
from maillage.structures.models import Structure, Term

# Fields that move with every write or describe the record's bookkeeping, not the structure.
_NOT_SHOWN = {"updated_at", "id", "last_verified_at", "verified_by", "search_document"}
_TERM_FIELDS = {"main_type", "secondary_types", "themes", "formats", "audiences", "partner_kinds"}


@dataclass
class HistoryRow:
    name: str
    title: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    revision: StructureRevision
    who: str
    origin_label: str
    note: str
    rows: list[HistoryRow]
    verified_only: bool
    editions: list[Edition] = field(default_factory=list)

    @property
    def is_creation(self) -> bool:
        return self.revision.before is None


def author_pseudonym(author_id: int | None) -> str:
    """A short, stable, non-reversible tag of an account (keyed with the site's secret)."""
    if author_id is None:
        return ""
    return salted_hmac("maillage.history.author", str(author_id)).hexdigest()[:6].upper()


def _who(revision: StructureRevision) -> str:
    Origin = StructureRevision.Origin
    role = {
        Origin.PROPOSAL: _("Proposition du public acceptée par la modération"),
        Origin.MANAGER: _("Gestionnaire de la structure"),
        Origin.MODERATOR: _("Modération"),
        Origin.ADMIN: _("Administration de Maillage"),
        Origin.IMPORT: _("Import de données"),
        Origin.REVERT: _("Modération (retour arrière)"),
        Origin.ERASURE: _("Maillage, à la demande de la personne concernée"),
        Origin.RETENTION: _("Maillage, fin de la durée de conservation"),
    }.get(revision.origin, revision.get_origin_display())
    tag = author_pseudonym(revision.author_id)
    return f"{role} · {tag}" if tag else role


def _term_labels() -> dict[str, str]:
    return {term.slug: term.label for term in Term.objects.all()}


def _item_text(name: str, item: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    if name == "partners":
        kind = labels.get(item.get("kind") or "", item.get("kind") or "")
        return " · ".join(part for part in (item.get("name") or "", kind) if part)
    if name == "value_examples":
        return item.get("title") or ""
    if name == "contacts":
        # Never the address nor the phone: the history is not a directory.
        return " · ".join(part for part in (item.get("name") or "", item.get("role") or "") if part)
    if name == "resilience_initiatives":
        category = labels.get(item.get("category") or "", item.get("category") or "")
        dates = " – ".join(d for d in (item.get("started_on"), item.get("ended_on")) if d)
        return " · ".join(part for part in (item.get("title") or "", category, dates) if part)
    return str(item)


def _shown(name: str, value: Any, labels: Mapping[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name in _TERM_FIELDS:
        values = value if isinstance(value, list) else [value]
        return "\n".join(sorted(labels.get(slug, slug) for slug in values))
    if isinstance(value, list):
        return "\n".join(
            _item_text(name, item, labels) if isinstance(item, dict) else str(item)
            for item in value
        )
    if name == "status":
        return str(dict(Structure.Status.choices).get(value, value))
    return str(value)


def revision_rows(
    revision: StructureRevision, labels: Mapping[str, str] | None = None
) -> list[HistoryRow]:
    """The changed fields of a revision, French titles, values as plain text for people."""
    labels = labels if labels is not None else _term_labels()
    names = revision.changed_fields or changed_fields(revision.before, revision.after)
    before, after = revision.before or {}, revision.after or {}
    rows = []
    for name in names:
        if name in _NOT_SHOWN or name in DERIVED_COLUMNS:
            continue
        rows.append(
            HistoryRow(
                name=name,
                title=field_title(name),
                before=_shown(name, before.get(name), labels) if revision.before else "—",
                after=_shown(name, after.get(name), labels),
            )
        )
    return rows


def structure_history(
    *, structure: Structure, revisions: Iterable[StructureRevision] | None = None
) -> list[HistoryEntry]:
    """The structure's changes, newest first, each with the editions that carry its result.

    An edition carries a change when it was published after it and before the next change,
    while the structure was published (editions freeze the published structures only).
    """
    if revisions is None:
        revisions = structure.revisions.all()
    revisions = sorted(revisions, key=lambda r: (r.created_at, r.pk))
    editions = list(Edition.objects.listed().defer("data_gz").order_by("published_at"))
    labels = _term_labels()
    entries = []
    for index, revision in enumerate(revisions):
        until = revisions[index + 1].created_at if index + 1 < len(revisions) else None
        published = (revision.after or {}).get("status") == Structure.Status.PUBLISHED
        carried = [
            edition
            for edition in editions
            if published
            and edition.published_at >= revision.created_at
            and (until is None or edition.published_at < until)
        ]
        rows = revision_rows(revision, labels)
        entries.append(
            HistoryEntry(
                revision=revision,
                who=_who(revision),
                origin_label=revision.get_origin_display(),
                note=revision.note,
                rows=rows,
                verified_only=not rows and revision.before is not None,
                editions=carried,
            )
        )
    entries.reverse()
    return entries
