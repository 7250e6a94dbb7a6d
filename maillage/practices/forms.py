"""The practice sheet form: parses what people type and hands the services PracticeValues.

Linked structures are typed one per line (their name, or the address of their page): an
atlas holds thousands of structures, too many for a list of boxes. Each line that cannot be
resolved gets its own message with the line's number and what to type instead.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models import Count, Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from maillage.contributions.forms import term_checkboxes
from maillage.practices.models import PracticeSheet
from maillage.practices.services import PracticeValues
from maillage.structures.models import Structure, Term
from maillage.structures.selectors import PUBLIC_STATUSES

_PAGE_ADDRESS = re.compile(r"/structures/([^/?#\s]+)/?")
MAX_STRUCTURE_LINES = 30


def structure_lines(structures) -> str:
    """One line per structure: its name, or its page's address when the name is shared."""
    structures = list(structures)
    shared = set(
        Structure.objects.filter(status__in=PUBLIC_STATUSES, name__in=[s.name for s in structures])
        .values("name")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("name", flat=True)
    )
    return "\n".join(f"/structures/{s.slug}/" if s.name in shared else s.name for s in structures)


def resolve_structure(line: str) -> tuple[Structure | None, str]:
    """(structure, '') for a line naming one visible structure, else (None, why)."""
    visible = Structure.objects.filter(status__in=PUBLIC_STATUSES)
    address = _PAGE_ADDRESS.search(line)
    key = address.group(1) if address else line
    found = visible.filter(Q(slug=key) | Q(uid=key)).first()
    if found:
        return found, ""
    named = list(visible.filter(name__iexact=line).select_related("commune")[:6])
    if len(named) == 1:
        return named[0], ""
    if not named:
        return None, str(
            _(
                "aucune structure de l'atlas ne porte ce nom ; copiez son nom exact ou "
                "l'adresse de sa page (…/structures/…/)"
            )
        )
    places = ", ".join(
        f"{s.commune.name if s.commune else '?'} : /structures/{s.slug}/" for s in named[:5]
    )
    return None, str(
        _("plusieurs structures portent ce nom ; collez l'adresse de la page de la bonne (%s)")
        % places
    )


class PracticeSheetForm(forms.Form):
    title = forms.CharField(
        label=_("Titre"),
        max_length=200,
        error_messages={"required": _("Donnez un titre à la fiche.")},
    )
    kind = forms.ChoiceField(
        label=_("Nature de la pratique"),
        choices=[("", _("Choisissez"))]
        + [(value, capfirst(label)) for value, label in PracticeSheet.Kind.choices],
        error_messages={"required": _("Choisissez la nature de la pratique.")},
    )
    summary = forms.CharField(
        label=_("Résumé"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une ou deux phrases, 500 caractères au plus : ce que l'on lit dans la liste."),
        error_messages={"required": _("Résumez la pratique en une ou deux phrases.")},
    )
    body = forms.CharField(
        label=_("Récit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Comment la pratique s'est déroulée. Markdown : **gras**, *italique*, listes "
            "(- élément), titres (## Titre), liens [texte](https://…). Le HTML est nettoyé."
        ),
    )
    participants = forms.CharField(
        label=_("Qui a participé"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Partenaires, publics, nombre de personnes…"),
    )
    outcomes = forms.CharField(
        label=_("Ce qu'elle a produit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    started_on = forms.DateField(
        label=_("Début"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Facultatif, ex. 2024-03-15."),
        error_messages={"invalid": _("Date invalide : écrivez-la AAAA-MM-JJ, ex. 2024-03-15.")},
    )
    ended_on = forms.DateField(
        label=_("Fin"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Facultatif ; vide si elle continue."),
        error_messages={"invalid": _("Date invalide : écrivez-la AAAA-MM-JJ, ex. 2024-06-30.")},
    )
    themes = term_checkboxes(Term.Kind.THEME, _("Thématiques"))
    formats = term_checkboxes(Term.Kind.FORMAT, _("Formats d'activité"))
    structures = forms.CharField(
        label=_("Structures liées"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Une par ligne : son nom exact dans l'atlas ou l'adresse de sa page. "
            "Au moins une, dont une que vous gérez si vous n'êtes pas éditeur."
        ),
        error_messages={"required": _("Reliez la fiche à au moins une structure de l'atlas.")},
    )
    status = forms.ChoiceField(
        label=_("Publication"),
        choices=PracticeSheet.Status.choices,
        initial=PracticeSheet.Status.DRAFT,
        widget=forms.RadioSelect,
        help_text=_("Un brouillon n'est visible que des personnes qui peuvent le modifier."),
    )

    def clean_structures(self) -> list[Structure]:
        lines = [line.strip() for line in self.cleaned_data["structures"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > MAX_STRUCTURE_LINES:
            raise forms.ValidationError(
                _("%(count)s lignes : reliez au plus %(max)s structures.")
                % {"count": len(lines), "max": MAX_STRUCTURE_LINES}
            )
        found: list[Structure] = []
        problems = []
        for number, line in enumerate(lines, start=1):
            structure, why = resolve_structure(line)
            if structure is None:
                problems.append(
                    _("Ligne %(n)s « %(line)s » : %(why)s.")
                    % {"n": number, "line": line[:120], "why": why}
                )
            elif structure not in found:
                found.append(structure)
        if problems:
            raise forms.ValidationError(problems)
        return found

    def clean(self):
        data = super().clean()
        start, end = data.get("started_on"), data.get("ended_on")
        if start and end and end < start:
            self.add_error(
                "ended_on",
                _("La fin (%(end)s) précède le début (%(start)s) : corrigez l'une des deux dates.")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        return data

    def values(self) -> PracticeValues:
        data = self.cleaned_data
        return PracticeValues(
            title=data["title"],
            kind=data["kind"],
            summary=data["summary"],
            body=data["body"],
            participants=data["participants"],
            outcomes=data["outcomes"],
            started_on=data["started_on"],
            ended_on=data["ended_on"],
            themes=list(data["themes"]),
            formats=list(data["formats"]),
            structures=data["structures"],
            status=data["status"],
        )

    @classmethod
    def initial_from(cls, sheet: PracticeSheet) -> dict:
        return {
            "title": sheet.title,
            "kind": sheet.kind,
            "summary": sheet.summary,
            "body": sheet.body,
            "participants": sheet.participants,
            "outcomes": sheet.outcomes,
            "started_on": sheet.started_on,
            "ended_on": sheet.ended_on,
            "themes": [t.slug for t in sheet.themes.all()],
            "formats": [t.slug for t in sheet.formats.all()],
            "structures": structure_lines(sheet.structures.order_by("name")),
            "status": sheet.status,
        }
