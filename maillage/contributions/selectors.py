"""Read-only queries of the contribution workflow, for pages, the admin and other packages.

`stale_structures` and `structure_is_stale` are the shared definition of a structure whose
data may be out of date: not verified for STALE_AFTER_DAYS (twelve months by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from maillage.contributions.models import Edition, Proposal, StructureManager, StructureRevision
from maillage.structures import text_search
from maillage.structures.models import Structure
from maillage.structures.selectors import PUBLIC_STATUSES

DUPLICATE_LIMIT = 5


def stale_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The start of the day STALE_AFTER_DAYS ago: a structure becomes stale at midnight, so
    that the rule depends on the date only (public pages are kept for the day)."""
    today = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return today - dt.timedelta(days=settings.STALE_AFTER_DAYS)


def stale_structures(*, now: dt.datetime | None = None) -> QuerySet[Structure]:
    """Published structures last verified (or, never verified, created) before the cutoff."""
    cutoff = stale_cutoff(now)
    return Structure.objects.published().filter(
        Q(last_verified_at__lt=cutoff) | Q(last_verified_at__isnull=True, created_at__lt=cutoff)
    )


def structure_is_stale(structure: Structure, *, now: dt.datetime | None = None) -> bool:
    """The same rule as stale_structures, for one structure already loaded (no query)."""
    if structure.status != Structure.Status.PUBLISHED:
        return False
    reference = structure.last_verified_at or structure.created_at
    return reference is not None and reference < stale_cutoff(now)


@dataclass(frozen=True)
class PossibleDuplicate:
    name: str
    url: str
    commune: str
    type_label: str
    same_commune: bool


def possible_duplicates(
    *, name: str, commune_code: str = "", exclude_pk: int | None = None
) -> list[PossibleDuplicate]:
    """Visible structures whose name matches name, those of the same commune first."""
    candidates = Structure.objects.filter(status__in=PUBLIC_STATUSES).select_related(
        "commune", "main_type"
    )
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    found = list(text_search.search(candidates, name)[:20])
    found.sort(key=lambda s: s.commune_id != commune_code if commune_code else False)
    return [
        PossibleDuplicate(
            name=s.name,
            url=s.get_absolute_url(),
            commune=s.commune.name if s.commune else "",
            type_label=s.main_type.label,
            same_commune=bool(commune_code) and s.commune_id == commune_code,
        )
        for s in found[:DUPLICATE_LIMIT]
    ]


def public_structure_get(*, slug: str) -> Structure | None:
    """The published or closed structure with this slug (what contributors act on), or None."""
    return (
        Structure.objects.filter(slug=slug, status__in=PUBLIC_STATUSES)
        .select_related("commune", "main_type")
        .first()
    )


def pending_proposals() -> QuerySet[Proposal]:
    return Proposal.objects.filter(status=Proposal.Status.PENDING).select_related("structure")


def managed_structures(*, user) -> QuerySet[Structure]:
    """Structures user manages (confirmed claims)."""
    if not user.is_authenticated:
        return Structure.objects.none()
    return (
        Structure.objects.filter(
            managers__user=user, managers__status=StructureManager.Status.CONFIRMED
        )
        .select_related("main_type", "commune")
        .order_by("name")
    )


def user_claims(*, user) -> QuerySet[StructureManager]:
    return StructureManager.objects.filter(user=user).select_related("structure")


def structure_revisions(*, structure: Structure) -> QuerySet[StructureRevision]:
    return structure.revisions.select_related("author", "proposal")


def edition_list(*, listed: bool = True) -> QuerySet[Edition]:
    """The editions, newest first, without their files; listed off: with those still being
    written."""
    editions = Edition.objects.listed() if listed else Edition.objects.all()
    return editions.defer("data_gz").select_related("published_by")
