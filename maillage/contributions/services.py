"""Services of the contribution workflow: propose, moderate, edit, revert, claim.

Every change they make to a structure goes through maillage.structures.services (validated
exactly like an import) and leaves a StructureRevision with the record before and after.
Editions and personal data have their own modules (editions.py, personal_data.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from maillage.contributions import notifications
from maillage.contributions.models import Proposal, StructureManager, StructureRevision
from maillage.contributions.records import (
    changed_fields,
    payload_values,
    snapshot_values,
    structure_snapshot,
)
from maillage.contributions.roles import MANAGERS, user_role_set
from maillage.derived_data import derived_data_refresh_on_commit
from maillage.logs.events import event
from maillage.referential.models import Commune
from maillage.structures.bulk import values_insert
from maillage.structures.models import Source, Structure, Term
from maillage.structures.services import (
    M2M_KINDS,
    StructureChange,
    structure_changes,
    structure_create,
    structure_update,
    structure_validate,
    structure_values,
    structures_write,
)

CONTRIBUTION_SOURCE = "contributions"
CLAIM_SALT = "maillage.contributions.claim"
CLAIM_MAX_AGE = 3 * 24 * 3600


def contribution_source_ensure() -> Source:
    """The source of the structures proposed through Maillage itself."""
    source, _created = Source.objects.get_or_create(
        slug=CONTRIBUTION_SOURCE,
        defaults={
            "name": "Contributions à Maillage",
            "licence": settings.DATA_LICENCE,
            "attribution": "Contributeurs de Maillage",
            "description": "Structures proposées par le public ou les structures elles-mêmes, "
            "publiées après modération.",
        },
    )
    return source


def user_label(user) -> str:
    if user is None or not user.is_authenticated:
        return ""
    return user.get_full_name() or user.get_username()


# --- history ---------------------------------------------------------------------------------


def revision_record(
    *,
    structure: Structure,
    before: Mapping[str, Any] | None,
    origin: str,
    author=None,
    author_label: str = "",
    proposal: Proposal | None = None,
    note: str = "",
    fields: list[str] | None = None,
) -> StructureRevision | None:
    """Record the change from before to the structure as it is now; None when nothing
    changed. before is None for a creation. fields names the changed fields when the
    snapshots cannot show them (a removed person's data is in neither)."""
    after = structure_snapshot(structure.pk)
    fields = fields if fields is not None else changed_fields(before, after)
    if before is not None and not fields:
        return None
    # The map, the insights and the downloads written again once the change is committed.
    derived_data_refresh_on_commit()
    return StructureRevision.objects.create(
        structure=structure,
        structure_uid=structure.uid,
        origin=origin,
        author=author if author is not None and author.is_authenticated else None,
        author_label=author_label or user_label(author),
        proposal=proposal,
        note=note[:300],
        before=before,
        after=after,
        changed_fields=fields,
    )


def revision_revert(*, revision: StructureRevision, user) -> StructureRevision | None:
    """Put the structure back as it was before revision; returns the new revision.

    Reverting a creation hides the structure again (status pending). Raises ValidationError
    when the structure no longer exists.
    """
    structure = revision.structure
    if structure is None:
        raise ValidationError(_("La structure de cette modification n'existe plus."))
    with transaction.atomic():
        before = structure_snapshot(structure.pk)
        if revision.before is None:
            values = {"status": Structure.Status.PENDING}
        else:
            values = _known_terms_only(snapshot_values(revision.before))
        # The record as it was is written back as it was: no validation of the field rules,
        # which may have tightened since (an old link that is not a valid URL any more).
        changes = structure_changes(current=structure_values(structure), values=values)
        if changes:
            structures_write(updates=[StructureChange(structure=structure, changes=changes)])
        new = revision_record(
            structure=structure,
            before=before,
            origin=StructureRevision.Origin.REVERT,
            author=user,
            note=_("Retour à l'état précédant la modification du %(date)s")
            % {"date": timezone.localtime(revision.created_at).strftime("%d/%m/%Y %H:%M")},
        )
        revision.reverted_by = new
        revision.save(update_fields=["reverted_by"])
        transaction.on_commit(
            lambda: event("revision.reverted", revision=revision.pk, structure=structure.pk)
        )
    return new


def _known_terms_only(values: dict[str, Any]) -> dict[str, Any]:
    """values without the vocabulary terms an editor removed since (they cannot come back)."""
    known = set(Term.objects.values_list("kind", "slug"))
    for name, kind in M2M_KINDS.items():
        if name in values:
            values[name] = tuple(slug for slug in values[name] if (kind, slug) in known)
    if "main_type" in values and (Term.Kind.TYPE, values["main_type"]) not in known:
        del values["main_type"]
    return values


# --- proposals -------------------------------------------------------------------------------


def _creation_values(payload: Mapping[str, Any]) -> dict[str, Any]:
    values = payload_values(payload)
    values["source"] = CONTRIBUTION_SOURCE
    return values


def proposal_validate(*, kind: str, payload: Mapping[str, Any]) -> None:
    """Raise ValidationError unless payload could be written (as an import would check)."""
    contribution_source_ensure()
    if kind == Proposal.Kind.ADDITION:
        from maillage.contributions.additions import addition_related, addition_validate

        name, item = addition_related(payload)
        addition_validate(name=name, item=item)
    elif kind == Proposal.Kind.NEW:
        structure_validate(values=_creation_values(payload), creating=True)
    else:
        structure_validate(values=payload_values(payload), creating=False)


def proposal_submit(
    *,
    kind: str,
    payload: Mapping[str, Any],
    structure: Structure | None = None,
    proposer_name: str = "",
    proposer_email: str = "",
    message: str = "",
    user=None,
    without_proof_of_work: bool = False,
) -> Proposal:
    """Record a proposal for moderation and tell the moderators; publishes nothing.

    Call only after the spam checks passed. Raises ValidationError for invalid values.
    """
    if kind != Proposal.Kind.NEW and structure is None:
        raise ValidationError(_("Une correction porte sur une structure existante."))
    proposal_validate(kind=kind, payload=payload)
    proposal = Proposal.objects.create(
        kind=kind,
        payload=dict(payload),
        structure=structure,
        base_updated_at=structure.updated_at if structure else None,
        proposer_name=proposer_name,
        proposer_email=proposer_email,
        proposer=user if user is not None and user.is_authenticated else None,
        message=message,
        without_proof_of_work=without_proof_of_work,
    )
    transaction.on_commit(
        lambda: event("proposal.submitted", kind=proposal.kind, proposal=proposal.pk)
    )
    transaction.on_commit(
        lambda: notifications.send(
            template="proposal_received",
            to=notifications.moderator_addresses(),
            context={
                "proposal": proposal,
                "url": notifications.admin_url(
                    "admin:contributions_proposal_moderate", proposal.pk
                ),
            },
        )
    )
    return proposal


def _place_at_commune(values: dict[str, Any]) -> None:
    if values.get("latitude") is not None or not values.get("commune_code"):
        return
    commune = Commune.objects.filter(code=values["commune_code"]).first()
    if commune and commune.latitude is not None:
        values.update(
            latitude=commune.latitude,
            longitude=commune.longitude,
            geo_precision=Structure.GeoPrecision.COMMUNE,
            geo_source=_("Centre de la commune"),
        )


def proposal_accept(
    *, proposal: Proposal, moderator, payload: Mapping[str, Any] | None = None
) -> Structure:
    """Publish a pending proposal, possibly as edited by the moderator (payload).

    A new structure is created published, verified by the moderator and placed at its
    commune's centre; a correction changes only the fields that differ from the current
    record. Records the revision and tells the proposer. Raises ValidationError.
    """
    if proposal.status != Proposal.Status.PENDING:
        raise ValidationError(_("Cette proposition a déjà été traitée."))
    payload = dict(payload if payload is not None else proposal.payload)
    now = timezone.now()
    verification = {"last_verified_at": now, "verified_by": user_label(moderator)}
    with transaction.atomic():
        if proposal.kind == Proposal.Kind.ADDITION:
            from maillage.contributions.additions import addition_apply, addition_related

            name, item = addition_related(payload)
            structure = Structure.objects.select_for_update().get(pk=proposal.structure_id)
            addition_apply(proposal=proposal, structure=structure, item=item, moderator=moderator)
            _proposal_decided(proposal, payload=payload, structure=structure, moderator=moderator)
            return structure
        if proposal.kind == Proposal.Kind.NEW:
            contribution_source_ensure()
            values = {
                **_creation_values(payload),
                **verification,
                "status": Structure.Status.PUBLISHED,
            }
            _place_at_commune(values)
            structure = structure_create(values=values)
            before = None
        else:
            structure = Structure.objects.select_for_update().get(pk=proposal.structure_id)
            before = structure_snapshot(structure.pk)
            values = payload_values(payload)
            changes = structure_changes(current=structure_values(structure), values=values)
            structure_update(structure=structure, values={**changes, **verification})
        revision_record(
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
        )
        _proposal_decided(proposal, payload=payload, structure=structure, moderator=moderator)
    return structure


def _proposal_decided(proposal: Proposal, *, payload, structure: Structure, moderator) -> None:
    proposal.payload = dict(payload)
    proposal.status = Proposal.Status.ACCEPTED
    proposal.structure = structure
    proposal.decided_at = timezone.now()
    proposal.decided_by = moderator
    proposal.save()
    _tell_proposer(proposal)
    transaction.on_commit(
        lambda: event(
            "proposal.accepted",
            kind=proposal.kind,
            proposal=proposal.pk,
            structure=structure.pk,
            moderator=moderator.pk,
        )
    )


def proposal_reject(*, proposal: Proposal, moderator, reason: str) -> Proposal:
    """Refuse a pending proposal with a reason the proposer receives."""
    if proposal.status != Proposal.Status.PENDING:
        raise ValidationError(_("Cette proposition a déjà été traitée."))
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif du refus : la personne le recevra."))
    with transaction.atomic():
        proposal.status = Proposal.Status.REJECTED
        proposal.rejection_reason = reason.strip()
        proposal.decided_at = timezone.now()
        proposal.decided_by = moderator
        proposal.save()
        _tell_proposer(proposal)
        transaction.on_commit(
            lambda: event(
                "proposal.rejected",
                kind=proposal.kind,
                proposal=proposal.pk,
                moderator=moderator.pk,
            )
        )
    return proposal


def _tell_proposer(proposal: Proposal) -> None:
    if not proposal.proposer_email:
        return
    structure_url = (
        notifications.absolute_url(proposal.structure.get_absolute_url())
        if proposal.status == Proposal.Status.ACCEPTED and proposal.structure
        else ""
    )
    transaction.on_commit(
        lambda: notifications.send(
            template="proposal_decided",
            to=[proposal.proposer_email],
            context={
                "proposal": proposal,
                "name": proposal.payload.get("name")
                or (proposal.structure.name if proposal.structure else ""),
                "structure_url": structure_url,
            },
        )
    )


# --- direct edits ----------------------------------------------------------------------------


class EditConflict(Exception):
    """The record changed since the form was opened: nothing was written."""

    def __init__(self, revisions: list[StructureRevision], current_updated_at):
        super().__init__("structure changed since the form was opened")
        self.revisions = revisions
        self.current_updated_at = current_updated_at


def user_can_edit(*, user, structure: Structure) -> bool:
    """Moderators edit any structure, a manager only the structures they manage."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm("structures.change_structure"):
        return True
    return StructureManager.objects.filter(
        user=user, structure=structure, status=StructureManager.Status.CONFIRMED
    ).exists()


def structure_edit(
    *,
    structure: Structure,
    payload: Mapping[str, Any],
    base_updated_at,
    user,
    confirm_current: bool = True,
) -> StructureRevision | None:
    """Change a structure directly (a manager or a moderator), with optimistic concurrency.

    base_updated_at is the record's version when the form was opened; if the record changed
    since, raises EditConflict carrying the changes made meanwhile, and writes nothing.
    Saving marks the record verified by the user when confirm_current. Raises
    PermissionError when user may not edit it and ValidationError for invalid values.
    """
    if not user_can_edit(user=user, structure=structure):
        raise PermissionError("not a manager of this structure")
    values = payload_values(payload)
    structure_validate(values=values, creating=False)
    with transaction.atomic():
        # The row lock (PostgreSQL) or the immediate transaction (SQLite) makes the check and
        # the write one step: of two concurrent saves, the second sees the first's version.
        current = Structure.objects.select_for_update().get(pk=structure.pk)
        if current.updated_at != base_updated_at:
            since = list(
                StructureRevision.objects.filter(
                    structure=current, created_at__gte=base_updated_at
                ).select_related("author")
            )
            raise EditConflict(since, current.updated_at)
        before = structure_snapshot(current.pk)
        changes = structure_changes(current=structure_values(current), values=values)
        if confirm_current:
            changes.update(last_verified_at=timezone.now(), verified_by=user_label(user))
        if not changes:
            return None
        structure_update(structure=current, values=changes)
        is_manager = not user.has_perm("structures.change_structure")
        return revision_record(
            structure=current,
            before=before,
            origin=(
                StructureRevision.Origin.MANAGER
                if is_manager
                else StructureRevision.Origin.MODERATOR
            ),
            author=user,
        )


# --- structure managers ----------------------------------------------------------------------


def website_domain(structure: Structure) -> str:
    """The registrable part of the structure's website host ('www.' dropped), or ''."""
    try:
        host = urlsplit(structure.website or "").hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def email_on_domain(email: str, domain: str) -> bool:
    """True when email's domain is domain or one of its subdomains."""
    if not domain or "@" not in email:
        return False
    email_domain = email.rsplit("@", 1)[1].lower()
    return email_domain == domain or email_domain.endswith("." + domain)


def claim_request(
    *, user, structure: Structure, email: str = "", message: str = ""
) -> StructureManager:
    """Ask to manage structure.

    With an address on the structure's website domain, a confirmation link is sent there;
    without, the request waits for a moderator (who is told). Raises ValidationError when
    the address is not on the domain.
    """
    email = email.strip().lower()
    domain = website_domain(structure)
    if email and not email_on_domain(email, domain):
        raise ValidationError(
            _("L'adresse doit appartenir au domaine du site de la structure (%(domain)s).")
            % {"domain": domain or _("aucun site web connu")}
        )
    with transaction.atomic():
        claim, _created = StructureManager.objects.get_or_create(
            user=user,
            structure=structure,
            defaults={"method": StructureManager.Method.EMAIL},
        )
        if claim.status == StructureManager.Status.CONFIRMED:
            return claim
        claim.status = StructureManager.Status.PENDING
        claim.method = StructureManager.Method.EMAIL if email else StructureManager.Method.MODERATOR
        claim.claim_email = email
        claim.message = message
        claim.language = (get_language() or settings.LANGUAGE_CODE)[:8]
        claim.save()
    if email:
        token = signing.dumps({"claim": claim.pk, "email": email}, salt=CLAIM_SALT)
        link = notifications.absolute_url(reverse("contributions:claim_confirm", args=[token]))
        transaction.on_commit(
            lambda: notifications.send(
                template="claim_link", to=[email], context={"claim": claim, "url": link}
            )
        )
    else:
        transaction.on_commit(
            lambda: notifications.send(
                template="claim_to_moderate",
                to=notifications.moderator_addresses(),
                context={
                    "claim": claim,
                    "url": notifications.admin_url(
                        "admin:contributions_structuremanager_change", claim.pk
                    ),
                },
            )
        )
    return claim


def claim_confirm_token(*, token: str) -> StructureManager:
    """Confirm the claim of a link sent by claim_request. Raises ValidationError when the
    link is invalid, expired or already used for another address."""
    try:
        data = signing.loads(token, salt=CLAIM_SALT, max_age=CLAIM_MAX_AGE)
    except signing.BadSignature as error:
        raise ValidationError(_("Ce lien n'est pas valide ou a expiré.")) from error
    claim = StructureManager.objects.filter(pk=data.get("claim")).first()
    if claim is None or claim.claim_email != data.get("email"):
        raise ValidationError(_("Ce lien n'est pas valide ou a expiré."))
    return claim_confirm(claim=claim, by=None)


def claim_confirm(*, claim: StructureManager, by) -> StructureManager:
    """Make the claimant a manager of the structure (by a link, or by a moderator)."""
    if claim.status != StructureManager.Status.CONFIRMED:
        claim.status = StructureManager.Status.CONFIRMED
        claim.confirmed_at = timezone.now()
        if by is not None:
            claim.method = StructureManager.Method.MODERATOR
        claim.save()
        user_role_set(user=claim.user, role=MANAGERS)
        if by is not None:
            _tell_claimant(claim)
        event("claim.confirmed", claim=claim.pk, structure=claim.structure_id, method=claim.method)
    return claim


def _tell_claimant(claim: StructureManager) -> None:
    """E-mail the claimant that a moderator confirmed them, in the language they used."""
    if not claim.user.email:
        return
    language = claim.language if claim.language in dict(settings.LANGUAGES) else "fr"
    context = {
        "claim": claim,
        "structure_url": notifications.absolute_url(claim.structure.get_absolute_url()),
        "edit_url": notifications.absolute_url(
            reverse("contributions:edit", args=[claim.structure.slug])
        ),
    }

    def send() -> None:
        with translation.override(language):
            notifications.send(template="claim_confirmed", to=[claim.user.email], context=context)

    transaction.on_commit(send)


# --- stale structures ------------------------------------------------------------------------


def stale_managers_remind(*, now=None) -> int:
    """E-mail the managers of stale structures, each at most every
    STALE_REMINDER_INTERVAL_DAYS days. Returns the number of reminders sent."""
    import datetime as dt

    from maillage.contributions.selectors import stale_structures

    now = now or timezone.now()
    quiet_since = now - dt.timedelta(days=settings.STALE_REMINDER_INTERVAL_DAYS)
    due = (
        StructureManager.objects.filter(
            status=StructureManager.Status.CONFIRMED,
            user__is_active=True,
            structure__in=stale_structures(now=now),
        )
        .exclude(last_reminded_at__gte=quiet_since)
        .select_related("user", "structure")
    )
    sent = 0
    for manager in due:
        edit_url = notifications.absolute_url(
            reverse("contributions:edit", args=[manager.structure.slug])
        )
        sent += notifications.send(
            template="stale_reminder",
            to=[manager.user.email],
            context={"structure": manager.structure, "edit_url": edit_url},
        )
        manager.last_reminded_at = now
        manager.save(update_fields=["last_reminded_at"])
    event("reminders.sent", count=sent)
    return sent


def revisions_record_bulk(
    *,
    befores: Mapping[int, Mapping[str, Any] | None],
    structures: list[Structure],
    origin: str,
    note: str = "",
    afters: Mapping[int, Mapping[str, Any]] | None = None,
    encoded: Mapping[int, tuple[str, str]] | None = None,
) -> int:
    """Record the revisions of many structures written at once (an import), in a few
    queries. befores maps a structure's pk to its record before the write (None: created);
    afters may give records after the write (snapshots_of_created), the others are read.
    encoded may give, for created structures, their record after the write and its changed
    fields already as JSON text (created_revision_json(), computed beside an import)."""
    from maillage.contributions.records import snapshots

    encoded = encoded or {}
    afters = dict(afters or {})
    afters.update(
        snapshots([s.pk for s in structures if s.pk not in afters and s.pk not in encoded])
    )
    revisions = []
    for structure in structures:
        before = befores.get(structure.pk)
        if before is None and structure.pk in encoded:
            after_json, fields_json = encoded[structure.pk]
        else:
            after = afters.get(structure.pk)
            fields = changed_fields(before, after)
            if before is not None and not fields:
                continue
            after_json, fields_json = _json(after), _json(fields)
        revisions.append(
            {
                "structure_id": structure.pk,
                "structure_uid": structure.uid,
                "origin": origin,
                "note": note[:300],
                "before": _json(before),
                "after": after_json,
                "changed_fields": fields_json,
            }
        )
    values_insert(StructureRevision, revisions, prepared=("before", "after", "changed_fields"))
    return len(revisions)


def created_revision_json(after: Mapping[str, Any]) -> tuple[str, str]:
    """The record after the creation of a structure and its changed fields, as the JSON
    text revisions_record_bulk writes."""
    return _json(after), _json(changed_fields(None, after))


def _json(value: Any) -> str | None:
    """A JSON field's value as written (JSONField.get_db_prep_save: None is SQL NULL)."""
    return None if value is None else json.dumps(value)
