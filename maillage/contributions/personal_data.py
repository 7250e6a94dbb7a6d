"""Personal data: relaying messages to contacts, removal on request, and retention.

A person's address leaves Maillage only with their consent; otherwise a visitor writes to
them through Maillage, which forwards the message without showing the address. Anyone can
ask to be removed: once they confirm from their mailbox, their contacts go from the
database, every export (the published files are rewritten) and every past edition's file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast, Coalesce
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from maillage.contributions import edition_writer, notifications
from maillage.contributions.editions import edition_document_stored, edition_rewrite
from maillage.contributions.models import (
    Edition,
    ErasureRequest,
    Proposal,
    StructureRevision,
)
from maillage.contributions.records import structure_snapshot
from maillage.contributions.services import revision_record
from maillage.exports.published import published_files_withdraw
from maillage.structures.models import Contact, Structure

ERASURE_SALT = "maillage.contributions.erasure"
ERASURE_MAX_AGE = 7 * 24 * 3600

# Sent by person_erase inside its transaction with email= and request=, so that other apps
# holding data keyed by the address (e-mail digests, maillage.following) remove it too.
person_erasing = Signal()


def email_normalise(email: str) -> str:
    return email.strip().lower()


def email_hash(email: str) -> str:
    """A keyed hash of the address: the log proves a request without holding the address."""
    return salted_hmac(ERASURE_SALT, email_normalise(email)).hexdigest()


# --- relay -----------------------------------------------------------------------------------


def relay_recipients(structure: Structure) -> list[str]:
    return sorted(
        {
            email_normalise(address)
            for address in structure.contacts.exclude(email="").values_list("email", flat=True)
        }
    )


def contact_relay(
    *, structure: Structure, sender_name: str, sender_email: str, message: str
) -> int:
    """Forward a visitor's message to the structure's contacts, hiding their addresses.

    The contacts answer the sender directly (Reply-To). Call only after the spam checks.
    Returns the number of recipients; raises ValidationError when there is none.
    """
    recipients = relay_recipients(structure)
    if not recipients:
        raise ValidationError(_("Cette structure n'a pas encore de contact à qui transmettre."))
    return notifications.send(
        template="contact_relay",
        to=recipients,
        reply_to=[sender_email],
        context={
            "structure": structure,
            "sender_name": sender_name,
            "sender_email": sender_email,
            "message": message,
            "structure_url": notifications.absolute_url(structure.get_absolute_url()),
            "removal_url": notifications.absolute_url(reverse("contributions:erasure")),
        },
    )


# --- removal on request ----------------------------------------------------------------------


def erasure_request(*, email: str) -> ErasureRequest:
    """Log a removal request and send its confirmation link to the address.

    The answer is the same whether Maillage holds the address or not (nothing to learn
    from it); the link only works from that mailbox.
    """
    email = email_normalise(email)
    request = ErasureRequest.objects.create(email_hash=email_hash(email))
    token = signing.dumps({"request": request.pk, "email": email}, salt=ERASURE_SALT)
    link = notifications.absolute_url(reverse("contributions:erasure_confirm", args=[token]))
    transaction.on_commit(
        lambda: notifications.send(template="erasure_link", to=[email], context={"url": link})
    )
    return request


def erasure_confirm(*, token: str) -> ErasureRequest:
    """Carry out the request of a confirmation link. Raises ValidationError when the link is
    invalid or expired; a second click changes nothing."""
    try:
        data = signing.loads(token, salt=ERASURE_SALT, max_age=ERASURE_MAX_AGE)
    except signing.BadSignature as error:
        raise ValidationError(_("Ce lien n'est pas valide ou a expiré.")) from error
    request = ErasureRequest.objects.filter(pk=data.get("request")).first()
    email = data.get("email", "")
    if request is None or request.email_hash != email_hash(email):
        raise ValidationError(_("Ce lien n'est pas valide ou a expiré."))
    if request.status == ErasureRequest.Status.DONE:
        return request
    return person_erase(email=email, request=request)


def _without_email(items: list, email: str) -> list:
    return [
        item
        for item in items
        if not (isinstance(item, dict) and email_normalise(item.get("email") or "") == email)
    ]


def _scrub_snapshot(snapshot: dict | None, email: str) -> tuple[dict | None, bool]:
    if not snapshot or "contacts" not in snapshot:
        return snapshot, False
    kept = _without_email(snapshot["contacts"], email)
    if len(kept) == len(snapshot["contacts"]):
        return snapshot, False
    return {**snapshot, "contacts": kept}, True


@transaction.atomic
def person_erase(*, email: str, request: ErasureRequest | None = None) -> ErasureRequest:
    """Remove every trace of the address: contacts, proposals' contact fields, history
    snapshots, past editions' files (by the edition writer, their files withheld until
    then); the published exports are withdrawn and written again.
    """
    email = email_normalise(email)
    request = request or ErasureRequest.objects.create(email_hash=email_hash(email))
    contacts = _same_address(Contact.objects.all(), "email", email)
    structure_ids = set(contacts.values_list("structure_id", flat=True))
    befores = {pk: structure_snapshot(pk) for pk in structure_ids}
    request.contacts_removed = contacts.count()
    contacts.delete()

    proposals = _same_address(Proposal.objects.all(), "proposer_email", email)
    request.proposals_cleared = proposals.update(proposer_email="", proposer_name="")
    # A contact proposed for a structure (maillage.contributions.additions) holds the
    # person's details in the proposal itself: such a proposal goes, whatever its status.
    for proposal in Proposal.objects.filter(
        kind=Proposal.Kind.ADDITION, payload__has_key="contacts"
    ):
        if len(_without_email(proposal.payload["contacts"], email)) != len(
            proposal.payload["contacts"]
        ):
            proposal.delete()
            request.proposals_cleared += 1
    # An account with the address goes too; the history keeps its changes, not its name.
    users = _same_address(get_user_model().objects.all(), "email", email)
    StructureRevision.objects.filter(author__in=users).update(author_label="")
    users.delete()

    revisions_cleared = 0
    with_contacts = (
        StructureRevision.objects.filter(Q(before__isnull=False) | Q(after__isnull=False))
        .filter(_snapshots_may_hold(email))
        .only("before", "after")
    )
    for revision in with_contacts.iterator(chunk_size=500):
        before, changed_before = _scrub_snapshot(revision.before, email)
        after, changed_after = _scrub_snapshot(revision.after, email)
        if changed_before or changed_after:
            StructureRevision.objects.filter(pk=revision.pk).update(before=before, after=after)
            revisions_cleared += 1
    request.revisions_cleared = revisions_cleared

    person_erasing.send(sender=ErasureRequest, email=email, request=request)

    # The downloads of /donnees/ that hold the person go once this is committed, and the
    # next ones are written without them (maillage.exports.published).
    if structure_ids:
        transaction.on_commit(published_files_withdraw)
    for structure in Structure.objects.filter(pk__in=structure_ids):
        Structure.objects.filter(pk=structure.pk).update(updated_at=timezone.now())
        revision_record(
            structure=structure,
            before=_scrub_snapshot(befores[structure.pk], email)[0],
            origin=StructureRevision.Origin.ERASURE,
            note=_("Contact retiré à sa demande"),
            fields=["contacts"],
        )
    request.status = ErasureRequest.Status.DONE
    request.completed_at = timezone.now()
    request.save()
    # Every past edition's file is read for the person, and rewritten without them, by the
    # edition writer (minutes at national scale, not in this request); their files are
    # withheld until then. The writer counts the editions rewritten on this request.
    hashed = email_hash(email)
    for edition in Edition.objects.select_for_update().defer("data_gz"):
        if hashed not in edition.erasures_pending:
            edition.erasures_pending = [*edition.erasures_pending, hashed]
        if edition.state == Edition.State.READY:
            edition.state = Edition.State.REWRITING
        edition.save(update_fields=["state", "erasures_pending"])
    if settings.EDITIONS_IN_BACKGROUND:
        transaction.on_commit(edition_writer.editions_start)
    else:
        edition_writer.editions_write()
        request.refresh_from_db(fields=["editions_rewritten"])
    return request


def _address_run(email: str) -> str:
    """The longest run of the (normalised) address's characters that every stored form of
    it holds, case aside, for SQLite's LIKE as for PostgreSQL's UPPER, even as JSON text:
    the ASCII ones, but for what JSON escapes, and i and k, which non-ASCII letters become
    in lower case (the Kelvin sign, İ). Empty when too short to narrow anything."""
    run = max(re.findall(r"[!#-\[\]-hjl-~]+", email), key=len, default="")
    return run if len(run) >= 3 else ""


def _same_address(queryset: QuerySet, field: str, email: str) -> QuerySet:
    """The rows whose address is email once normalised. The database narrows them (its
    case-insensitive match is ASCII-only on SQLite: É and é differ there), Python decides."""
    run = _address_run(email)
    candidates = queryset.filter(**{f"{field}__icontains": run}) if run else queryset
    return queryset.filter(
        pk__in=[
            pk
            for pk, address in candidates.values_list("pk", field)
            if address and email_normalise(address) == email
        ]
    )


def _snapshots_may_hold(email: str) -> Q:
    """A condition on revisions kept by every one whose snapshots hold the address (and
    by a few others), cheap for the database (_address_run in their JSON text)."""
    run = _address_run(email)
    if not run:
        return Q()
    return Q(
        pk__in=StructureRevision.objects.annotate(
            before_text=Cast("before", TextField()), after_text=Cast("after", TextField())
        )
        .filter(Q(before_text__icontains=run) | Q(after_text__icontains=run))
        .values("pk")
    )


def document_without_persons(document: dict, hashes: set[str]) -> set[str]:
    """Remove from an edition's document (in place) the contacts whose address has one of
    the keyed hashes; return the hashes found."""
    found = set()
    for item in document.get("structures", []):
        contacts = item.get("contacts") or []
        kept = []
        for contact in contacts:
            address = contact.get("email") if isinstance(contact, dict) else None
            hashed = email_hash(address) if address else None
            if hashed in hashes:
                found.add(hashed)
            else:
                kept.append(contact)
        if len(kept) != len(contacts):
            item["contacts"] = kept
    return found


# --- retention -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    contacts_removed: int
    editions_rewritten: int
    revisions_cleared: int


def _contact_key(contact: dict) -> tuple[str, str, str]:
    return (
        email_normalise(contact.get("email") or ""),
        (contact.get("name") or "").strip(),
        (contact.get("phone") or "").strip(),
    )


def _without_contacts(items: list, keys: set) -> list:
    return [item for item in items if not (isinstance(item, dict) and _contact_key(item) in keys)]


def contacts_purge(*, now: dt.datetime | None = None) -> PurgeResult:
    """Remove contacts whose consent (or, without a date, whose structure's creation) is
    older than CONTACT_RETENTION_DAYS, from the database, from the history's snapshots and
    from every past edition's file (rewritten, its SHA-256 changes). Returns the counts."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.CONTACT_RETENTION_DAYS)
    expired = Contact.objects.annotate(
        since=Coalesce("consent_recorded_at", F("structure__created_at"))
    ).filter(since__lt=cutoff)
    removed = 0
    # What identifies each expired contact in files that only hold its published fields.
    purged: dict[str, set] = {}
    for uid, name, email, phone in expired.values_list("structure__uid", "name", "email", "phone"):
        purged.setdefault(uid, set()).add(
            _contact_key({"name": name, "email": email, "phone": phone})
        )
    # The edition writer's lock first: it rewrites the same files (and, on SQLite, would
    # wait for this transaction's writes while this waited for its lock).
    with edition_writer.writer_lock(), transaction.atomic():
        structure_ids = set(expired.values_list("structure_id", flat=True))
        if structure_ids:
            transaction.on_commit(published_files_withdraw)
        for pk in structure_ids:
            before = structure_snapshot(pk)
            removed += Contact.objects.filter(
                pk__in=expired.filter(structure_id=pk).values("pk")
            ).delete()[0]
            Structure.objects.filter(pk=pk).update(updated_at=now)
            structure = Structure.objects.get(pk=pk)
            revision_record(
                structure=structure,
                before=before,
                origin=StructureRevision.Origin.RETENTION,
                note=_("Contacts conservés plus de %(days)s jours")
                % {"days": settings.CONTACT_RETENTION_DAYS},
            )
        revisions_cleared = 0
        if purged:
            for revision in StructureRevision.objects.filter(structure_uid__in=purged).only(
                "structure_uid", "before", "after"
            ):
                keys = purged[revision.structure_uid]
                snapshots = []
                for snapshot in (revision.before, revision.after):
                    if snapshot and snapshot.get("contacts"):
                        kept = _without_contacts(snapshot["contacts"], keys)
                        if len(kept) != len(snapshot["contacts"]):
                            snapshot = {**snapshot, "contacts": kept}
                    snapshots.append(snapshot)
                if snapshots != [revision.before, revision.after]:
                    StructureRevision.objects.filter(pk=revision.pk).update(
                        before=snapshots[0], after=snapshots[1]
                    )
                    revisions_cleared += 1
        rewritten = 0
        # Being written: its writer reads the structures after this (the lock above).
        listed = Edition.objects.listed().select_for_update() if purged else ()
        for edition in listed:
            document = edition_document_stored(edition)
            changed = False
            for item in document.get("structures", []):
                keys = purged.get(item.get("id"))
                if not keys or not item.get("contacts"):
                    continue
                kept = _without_contacts(item["contacts"], keys)
                if len(kept) != len(item["contacts"]):
                    item["contacts"] = kept
                    changed = True
            if changed:
                edition_rewrite(edition=edition, document=document)
                rewritten += 1
    return PurgeResult(
        contacts_removed=removed, editions_rewritten=rewritten, revisions_cleared=revisions_cleared
    )
