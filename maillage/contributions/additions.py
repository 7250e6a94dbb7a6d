"""Proposals that add a related record to a structure: a named partner, an example of value
created, a contact, a resilience initiative.

They go through the same queue as corrections (Proposal, kind « addition »): the payload
holds the record under its export name, {"partners": [item]}, item in the nested export
format. Accepting appends the item to the structure's current list, so additions accepted
in any order never overwrite each other, and leaves a revision like any other change.

Contacts follow the consent rule: a contact is published only when the person agreed,
with the date they did; otherwise it is kept unpublished and only reached through the
relay form (maillage.contributions.personal_data.contact_relay), which needs its address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.contributions.models import Proposal, StructureRevision
from maillage.contributions.records import structure_snapshot
from maillage.structures.models import Contact, Structure, Term
from maillage.structures.services import (
    PartnerData,
    ResilienceData,
    ValueExampleData,
    structure_update,
    structure_values,
)

# The related records one can propose, by their record name, with the path segment of
# their public form and their title.
RELATED = {
    "partners": ("partenaire", gettext_lazy("un partenaire")),
    "value_examples": ("exemple", gettext_lazy("un exemple de valeur créée")),
    "contacts": ("contact", gettext_lazy("un contact")),
    "resilience_initiatives": ("initiative", gettext_lazy("une initiative de résilience")),
}
BY_SEGMENT = {segment: name for name, (segment, _title) in RELATED.items()}


def addition_related(payload: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(record name, item) of an addition payload."""
    for name in RELATED:
        if payload.get(name):
            return name, dict(payload[name][0])
    raise ValidationError(_("La proposition ne contient aucun élément à ajouter."))


def _date(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    parsed = parse_date(value) if isinstance(value, str) else value
    if not isinstance(parsed, dt.date):
        raise ValidationError(_("%(field)s : date illisible.") % {"field": label})
    return parsed


def _term(kind: str, slug: str, label: str) -> None:
    if slug and not Term.objects.filter(kind=kind, slug=slug).exists():
        raise ValidationError(
            _("%(field)s : valeur inconnue « %(slug)s ».") % {"field": label, "slug": slug}
        )


def addition_validate(*, name: str, item: Mapping[str, Any]) -> None:
    """Raise ValidationError (field by field when it can) unless item can be added."""
    errors: dict[str, list[str]] = {}

    def need(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if name == "partners":
        if not (item.get("name") or "").strip():
            need("name", _("Indiquez le nom du partenaire."))
        _term(Term.Kind.ACTOR, item.get("kind") or "", _("Type de partenaire"))
    elif name == "value_examples":
        if not (item.get("title") or "").strip():
            need("title", _("Donnez un titre à l'exemple."))
    elif name == "resilience_initiatives":
        if not (item.get("title") or "").strip():
            need("title", _("Donnez un titre à l'initiative."))
        _term(Term.Kind.RESILIENCE, item.get("category") or "", _("Catégorie"))
        started = _date(item.get("started_on"), _("Date de début"))
        ended = _date(item.get("ended_on"), _("Date de fin"))
        if started and ended and ended < started:
            need("ended_on", _("La date de fin précède la date de début."))
    elif name == "contacts":
        if not (item.get("name") or "").strip():
            need("name", _("Indiquez le nom de la personne."))
        email = (item.get("email") or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                need("email", _("Adresse e-mail invalide, ex. nom@exemple.fr."))
        if item.get("publication_consent"):
            consent = _date(item.get("consent_date"), _("Date de l'accord"))
            if consent is None:
                need(
                    "consent_date",
                    _("Indiquez la date à laquelle la personne a donné son accord."),
                )
            elif consent > timezone.localdate():
                need("consent_date", _("La date de l'accord ne peut pas être dans le futur."))
            if not email and not (item.get("phone") or "").strip():
                need("email", _("Donnez au moins une adresse e-mail ou un téléphone."))
        elif not email:
            need(
                "email",
                _(
                    "Sans accord de publication, le contact n'est joignable que par le "
                    "formulaire de contact de Maillage : son adresse e-mail est nécessaire."
                ),
            )
    else:
        raise ValidationError(_("Élément inconnu : %s") % name)
    if errors:
        raise ValidationError(errors)


def addition_apply(
    *, proposal: Proposal, structure: Structure, item: Mapping[str, Any], moderator
) -> StructureRevision | None:
    """Append item to the structure's list (inside the caller's transaction) and record
    the revision. Contacts are written with their consent and its date."""
    from maillage.contributions.services import revision_record, user_label

    name, _stored = addition_related(proposal.payload)
    addition_validate(name=name, item=item)
    before = structure_snapshot(structure.pk)
    fields = None
    note = ""
    if name == "contacts":
        consent = bool(item.get("publication_consent"))
        consent_date = _date(item.get("consent_date"), "") if consent else None
        Contact.objects.create(
            structure=structure,
            name=item["name"].strip(),
            role=(item.get("role") or "").strip(),
            email=(item.get("email") or "").strip().lower(),
            phone=(item.get("phone") or "").strip(),
            publication_consent=consent,
            consent_recorded_at=(
                timezone.make_aware(dt.datetime.combine(consent_date, dt.time(12)))
                if consent_date
                else None
            ),
        )
        # A new modification date gives the published files a new version.
        Structure.objects.filter(pk=structure.pk).update(updated_at=timezone.now())
        if not consent:
            # Unpublished: absent from the snapshots, so name the field the change touched.
            fields = ["contacts"]
            note = _("Contact non publié ajouté, joignable par le formulaire de contact")
    else:
        current = list(structure_values(structure)[name])
        if name == "partners":
            new = PartnerData(item["name"].strip(), item.get("kind") or "", "")
        elif name == "value_examples":
            new = ValueExampleData(item["title"].strip(), (item.get("description") or "").strip())
        else:
            new = ResilienceData(
                item["title"].strip(),
                (item.get("description") or "").strip(),
                item.get("category") or "",
                _date(item.get("started_on"), ""),
                _date(item.get("ended_on"), ""),
            )
        structure_update(structure=structure, values={name: (*current, new)})
    return revision_record(
        structure=structure,
        before=before,
        origin=StructureRevision.Origin.PROPOSAL,
        author=moderator,
        author_label=_("%(moderator)s, proposition de %(proposer)s")
        % {
            "moderator": user_label(moderator),
            "proposer": proposal.proposer_name or _("une personne anonyme"),
        },
        proposal=proposal,
        note=note,
        fields=fields,
    )


def addition_item_text(name: str, item: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """One related record as a line for moderators (contacts with their details)."""
    from maillage.contributions.history import _item_text

    if name != "contacts":
        return _item_text(name, item, labels)
    consent = (
        _("publication acceptée le %(date)s") % {"date": item.get("consent_date")}
        if item.get("publication_consent") and item.get("consent_date")
        else _("publication acceptée")
        if item.get("publication_consent")
        else _("non publié : formulaire de contact seulement")
    )
    parts = (item.get("name"), item.get("role"), item.get("email"), item.get("phone"), consent)
    return " · ".join(part for part in parts if part)
