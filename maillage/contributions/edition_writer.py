"""Editions' files written off the request: a new edition, or one that must lose a person.

At national scale an edition's file is the JSON of 100,000 structures (about two minutes of
work here), and a removal request rewrites every past edition holding the person. Both
used to happen in the request, where gunicorn ends a worker after 60 s. Now the request
records what is to be done in the edition's row (state WRITING, or REWRITING with the keyed
hashes of the addresses to remove) and one writer of the machine does it
(maillage.background). A REWRITING edition's files are withheld until then: they never
serve what was removed. A visit of the editions' pages starts the writer again if it died.
"""

from __future__ import annotations

import io
import json
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from maillage.background import BackgroundWork, held_elsewhere, machine_lock, read_snapshot
from maillage.contributions.editions import document_bytes, edition_document_stored, store
from maillage.contributions.models import Edition, ErasureRequest
from maillage.exports.writers import write_json
from maillage.logs.events import event
from maillage.structures.models import Structure

logger = logging.getLogger(__name__)

PENDING = (Edition.State.WRITING, Edition.State.REWRITING)
# A writer that failed (or a process that died) is started again by a visit this long after.
RETRY_SECONDS = 60


def _lock_path():
    return settings.DATA_DIR / "editions" / ".writing.lock"


def writer_lock(*, wait: bool = True, tries: int = 1):
    """The machine's one writer of editions' files (another writer of them, such as the
    retention purge, holds it while it rewrites them)."""
    return machine_lock(_lock_path(), wait=wait, tries=tries)


def editions_write(*, wait: bool = True) -> int:
    """Write every edition waiting for its file, oldest first; how many were written.
    Another writer of the machine is waited for, or with wait off, left to it (0)."""
    done = 0
    with writer_lock(wait=wait, tries=20) as acquired:
        if not acquired:
            return 0
        while True:
            edition = (
                Edition.objects.filter(state__in=PENDING).defer("data_gz").order_by("pk").first()
            )
            if edition is None:
                return done
            if edition.state == Edition.State.WRITING:
                _write(edition)
            else:
                _rewrite(edition)
            done += 1


def _write(edition: Edition) -> None:
    stream = io.BytesIO()
    with read_snapshot():  # one state of the data for the whole file
        taken_at = timezone.now()
        count = write_json(Structure.objects.published(), stream)
    _finish(edition.pk, raw=stream.getvalue(), taken_at=taken_at, count=count)


def _rewrite(edition: Edition) -> None:
    document = edition_document_stored(Edition.objects.only("data_gz").get(pk=edition.pk))
    _finish(edition.pk, document=document)


def _finish(pk: int, *, raw: bytes | None = None, document=None, taken_at=None, count=0) -> None:
    """Store the new file (raw, with taken_at and count) or the edition's file as read
    (document), less the contacts of every removal recorded meanwhile, and publish (or
    give back) the edition."""
    from maillage.contributions.personal_data import document_without_persons

    with transaction.atomic():
        edition = Edition.objects.select_for_update().defer("data_gz").filter(pk=pk).first()
        if edition is None:  # deleted meanwhile (administration)
            return
        removed: set[str] = set()
        if edition.erasures_pending:
            if document is None:
                document = json.loads(raw)
            removed = document_without_persons(document, set(edition.erasures_pending))
        fields = ["state", "erasures_pending"]
        if removed:
            raw = document_bytes(document)
            edition.rewritten_at = timezone.now()
            fields.append("rewritten_at")
        if taken_at is not None:
            edition.published_at, edition.structure_count = taken_at, count
            fields += ["published_at", "structure_count"]
        if taken_at is not None or removed:
            store(edition, raw)
            fields += ["data_gz", "size", "sha256"]
        edition.state, edition.erasures_pending = Edition.State.READY, []
        edition.save(update_fields=fields)
        for email_hash in removed:
            latest = ErasureRequest.objects.filter(email_hash=email_hash).order_by("-requested_at")
            ErasureRequest.objects.filter(pk__in=latest.values("pk")[:1]).update(
                editions_rewritten=F("editions_rewritten") + 1
            )
        if taken_at is not None:
            transaction.on_commit(lambda: event("edition.published", edition=pk, structures=count))


def _write_in_background() -> None:
    editions_write(wait=False)


_writer = BackgroundWork("edition-writer", _write_in_background)


def editions_writing() -> bool:
    """Whether a writer of the machine is at work (this process's or another's)."""
    return _writer.running() is not None or held_elsewhere(_lock_path())


def editions_start() -> None:
    """Write what waits: in a thread, or now where EDITIONS_IN_BACKGROUND is off."""
    if settings.EDITIONS_IN_BACKGROUND:
        _writer.start()
    else:
        editions_write()


def editions_resume() -> None:
    """Start the writer again if editions wait and nobody writes them (a process died, a
    write failed: at most every RETRY_SECONDS)."""
    if not Edition.objects.filter(state__in=PENDING).exists():
        return
    if editions_writing() or time.time() - _writer.started_at < RETRY_SECONDS:
        return
    editions_start()
