"""Services that write practice sheets: validated, then saved in one transaction, with the
rendered body and the search columns computed from the texts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.practices import access
from maillage.practices.models import PracticeSheet
from maillage.practices.rich_text import markdown_render
from maillage.practices.search import practice_documents
from maillage.structures.models import Structure, Term
from maillage.structures.selectors import PUBLIC_STATUSES


@dataclass
class PracticeValues:
    """What a writer gives for a sheet; the relations as model instances."""

    title: str
    kind: str
    summary: str
    structures: list[Structure]
    body: str = ""
    participants: str = ""
    outcomes: str = ""
    started_on: date | None = None
    ended_on: date | None = None
    themes: Iterable[Term] = ()
    formats: Iterable[Term] = ()
    status: str = PracticeSheet.Status.DRAFT


def practice_validate(*, values: PracticeValues, user, sheet: PracticeSheet | None = None) -> None:
    """Raise ValidationError (by field) when values cannot be saved by user.

    A manager who is not an editor must link at least one structure they manage, so that
    they cannot write for others, nor lose the sheet they are editing.
    """
    errors: dict[str, list[str]] = {}
    if not values.title.strip():
        errors.setdefault("title", []).append(_("Donnez un titre à la fiche."))
    if values.kind not in PracticeSheet.Kind.values:
        errors.setdefault("kind", []).append(_("Choisissez la nature de la pratique."))
    if not values.summary.strip():
        errors.setdefault("summary", []).append(_("Résumez la pratique en une ou deux phrases."))
    if values.status not in PracticeSheet.Status.values:
        errors.setdefault("status", []).append(_("Choisissez brouillon ou publiée."))
    if values.started_on and values.ended_on and values.ended_on < values.started_on:
        errors.setdefault("ended_on", []).append(
            _("La fin (%(end)s) précède le début (%(start)s) : corrigez l'une des deux dates.")
            % {"end": values.ended_on.isoformat(), "start": values.started_on.isoformat()}
        )
    if any(term.kind != Term.Kind.THEME for term in values.themes):
        errors.setdefault("themes", []).append(_("Seules des thématiques sont acceptées ici."))
    if any(term.kind != Term.Kind.FORMAT for term in values.formats):
        errors.setdefault("formats", []).append(_("Seuls des formats d'activité sont acceptés."))
    if not values.structures:
        errors.setdefault("structures", []).append(
            _("Reliez la fiche à au moins une structure de l'atlas.")
        )
    elif any(structure.status not in PUBLIC_STATUSES for structure in values.structures):
        errors.setdefault("structures", []).append(
            _("Une structure en attente de modération ne peut pas encore être reliée.")
        )
    elif not access.is_practice_editor(user):
        managed = access.managed_structure_ids(user)
        if not managed & {structure.pk for structure in values.structures}:
            errors.setdefault("structures", []).append(
                _("Reliez la fiche à au moins une des structures que vous gérez.")
            )
    if errors:
        raise ValidationError(errors)


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:200].strip("-") or "fiche"
    slug, number = base, 2
    taken = PracticeSheet.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _apply(sheet: PracticeSheet, values: PracticeValues) -> None:
    sheet.title = values.title.strip()
    sheet.kind = values.kind
    sheet.summary = values.summary.strip()
    sheet.body = values.body.strip()
    sheet.body_html = markdown_render(sheet.body)
    sheet.participants = values.participants.strip()
    sheet.outcomes = values.outcomes.strip()
    sheet.started_on, sheet.ended_on = values.started_on, values.ended_on
    sheet.status = values.status
    # The first publication's date stays: a sheet put back to draft and republished is not
    # announced again as new.
    if sheet.is_published and sheet.published_at is None:
        sheet.published_at = timezone.now()
    sheet.search_document, sheet.search_title = practice_documents(
        title=sheet.title,
        summary=sheet.summary,
        body=sheet.body,
        participants=sheet.participants,
        outcomes=sheet.outcomes,
    )


def _relate(sheet: PracticeSheet, values: PracticeValues) -> None:
    sheet.structures.set(values.structures)
    sheet.themes.set(list(values.themes))
    sheet.formats.set(list(values.formats))


@transaction.atomic
def practice_create(*, values: PracticeValues, author) -> PracticeSheet:
    """A new sheet written by author. Raises PermissionError when author may not write
    sheets, ValidationError (by field) when values are incomplete or inconsistent."""
    if not access.user_can_create_practice(author):
        raise PermissionError("not allowed to write practice sheets")
    practice_validate(values=values, user=author)
    sheet = PracticeSheet(author=author if author and author.is_authenticated else None)
    _apply(sheet, values)
    sheet.slug = _unique_slug(sheet.title)
    sheet.save()
    _relate(sheet, values)
    return sheet


@transaction.atomic
def practice_update(*, sheet: PracticeSheet, values: PracticeValues, user) -> PracticeSheet:
    """Change sheet. The slug (its address) stays. Same errors as practice_create."""
    if not access.user_can_edit_practice(user, sheet):
        raise PermissionError("not allowed to edit this practice sheet")
    practice_validate(values=values, user=user, sheet=sheet)
    _apply(sheet, values)
    sheet.save()
    _relate(sheet, values)
    return sheet


def practice_search_refresh(*, sheets: Iterable[PracticeSheet]) -> int:
    """Recompute the rendered body and search columns (after a change of the rules)."""
    changed = []
    for sheet in sheets:
        html = markdown_render(sheet.body)
        document, title = practice_documents(
            title=sheet.title,
            summary=sheet.summary,
            body=sheet.body,
            participants=sheet.participants,
            outcomes=sheet.outcomes,
        )
        if (html, document, title) != (sheet.body_html, sheet.search_document, sheet.search_title):
            sheet.body_html, sheet.search_document, sheet.search_title = html, document, title
            changed.append(sheet)
    PracticeSheet.objects.bulk_update(changed, ["body_html", "search_document", "search_title"])
    return len(changed)
