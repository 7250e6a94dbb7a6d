"""The item sources that feeds and digests are made of, in one small registry.

Each source says how to list its items published in a time window for some filters,
newest first. `/flux/<slug>.atom` serves one source, `/flux/tout.atom` and the digests
merge all of them. Adding a kind of item (practice sheets, …) is one `source_register`
call with an `items` function; nothing else in following changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.following.filters import FollowFilters
from maillage.following.models import Sighting
from maillage.structures.models import ResilienceInitiative, Structure

ALL = "tout"
FEED_LENGTH = 50


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed or a digest; plain text, escaped by whoever writes it out."""

    source: str
    key: str  # unique on the site and stable: the entry's id is built from it
    title: str
    path: str  # the page on the site
    published: dt.datetime
    summary: tuple[str, ...]
    author: str
    categories: tuple[tuple[str, str], ...] = ()  # (slug, label) of the themes


# items(filters, since=, until=, limit=) -> the matching items published in (since, until],
# newest first.
ItemsFunction = Callable[..., list[FeedItem]]


@dataclass(frozen=True)
class ItemSource:
    slug: str  # in the URL: /flux/<slug>.atom
    title: Promise  # "Nouvelles structures"
    description: Promise
    items: ItemsFunction
    # Called before reading, with the time of reading: a source without dates of its own
    # records there when it first saw its items.
    prepare: Callable[[dt.datetime], None] | None = field(default=None)


_SOURCES: dict[str, ItemSource] = {}


def source_register(source: ItemSource) -> None:
    if source.slug == ALL:
        raise ValueError(f"{ALL!r} is the name of the feed of every source")
    _SOURCES[source.slug] = source


def sources() -> list[ItemSource]:
    return list(_SOURCES.values())


def source_get(slug: str) -> ItemSource | None:
    return _SOURCES.get(slug)


def sources_prepare(now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    for source in sources():
        if source.prepare:
            source.prepare(now)


def items_list(
    *,
    filters: FollowFilters,
    slugs: list[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = FEED_LENGTH,
) -> list[FeedItem]:
    """The items of the given sources (all by default), newest first, then by key."""
    chosen = [s for s in sources() if slugs is None or s.slug in slugs]
    found: list[FeedItem] = []
    for source in chosen:
        found.extend(source.items(filters, since=since, until=until, limit=limit))
    found.sort(key=lambda item: item.key)
    found.sort(key=lambda item: item.published, reverse=True)
    return found[:limit] if limit is not None else found


# --- new structures --------------------------------------------------------------------------


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _place(structure: Structure) -> str:
    commune = structure.commune
    return f"{commune.name} ({commune.department_id})" if commune else _("commune inconnue")


def structure_items(
    filters: FollowFilters,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = FEED_LENGTH,
) -> list[FeedItem]:
    """Published structures by date of arrival in Maillage (created_at)."""
    queryset = filters.structures()
    if since:
        queryset = queryset.filter(created_at__gt=since)
    if until:
        queryset = queryset.filter(created_at__lte=until)
    queryset = (
        queryset.select_related("main_type", "commune", "source")
        .prefetch_related("themes")
        .order_by("-created_at", "-pk")
    )
    if limit is not None:
        queryset = queryset[:limit]
    items = []
    for structure in queryset:
        themes = [(t.slug, t.label) for t in structure.themes.all()]
        summary = [f"{structure.main_type.label} · {_place(structure)}"]
        if themes:
            summary.append(_("Thématiques : %s") % ", ".join(label for _slug, label in themes))
        if structure.short_description:
            summary.append(_one_line(structure.short_description))
        items.append(
            FeedItem(
                source="structures",
                key=f"structure/{structure.uid}",
                title=structure.name,
                path=structure.get_absolute_url(),
                published=structure.created_at,
                summary=tuple(summary),
                author=structure.source.name,
                categories=tuple(themes),
            )
        )
    return items


# --- new resilience initiatives --------------------------------------------------------------

INITIATIVES = "initiatives"


def initiative_key(structure_uid: str, title: str, started_on: dt.date | None) -> str:
    key = f"{structure_uid}/{slugify(title)[:120] or 'initiative'}"
    return f"{key}/{started_on.isoformat()}" if started_on else key


def _published_initiatives():
    return ResilienceInitiative.objects.filter(structure__status=Structure.Status.PUBLISHED)


def initiatives_prepare(now: dt.datetime) -> None:
    """Record the initiatives seen for the first time now."""
    keys = {
        initiative_key(uid, title, started_on)
        for uid, title, started_on in _published_initiatives().values_list(
            "structure__uid", "title", "started_on"
        )
    }
    known = set(Sighting.objects.filter(source=INITIATIVES).values_list("key", flat=True))
    Sighting.objects.bulk_create(
        [Sighting(source=INITIATIVES, key=key, first_seen_at=now) for key in keys - known],
        ignore_conflicts=True,
    )


def initiative_items(
    filters: FollowFilters,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = FEED_LENGTH,
) -> list[FeedItem]:
    """Resilience initiatives of matching structures, by date of arrival in Maillage."""
    initiatives = (
        _published_initiatives()
        .filter(structure__in=filters.structures().values("pk"))
        .select_related("structure__main_type", "structure__commune", "category")
        .prefetch_related("structure__themes")
    )
    by_key = {initiative_key(i.structure.uid, i.title, i.started_on): i for i in initiatives}
    seen = Sighting.objects.filter(source=INITIATIVES, key__in=list(by_key))
    if since:
        seen = seen.filter(first_seen_at__gt=since)
    if until:
        seen = seen.filter(first_seen_at__lte=until)
    items = []
    for key, first_seen_at in seen.values_list("key", "first_seen_at"):
        initiative = by_key[key]
        structure = initiative.structure
        themes = [(t.slug, t.label) for t in structure.themes.all()]
        summary = [
            _("Portée par %(structure)s (%(type)s) · %(place)s")
            % {
                "structure": structure.name,
                "type": structure.main_type.label,
                "place": _place(structure),
            }
        ]
        if initiative.category:
            summary.append(_("Catégorie : %s") % initiative.category.label)
        if initiative.started_on:
            summary.append(_("Depuis le %s") % initiative.started_on.strftime("%d/%m/%Y"))
        if initiative.description:
            summary.append(_one_line(initiative.description))
        items.append(
            FeedItem(
                source=INITIATIVES,
                key=f"initiative/{key}",
                title=initiative.title,
                path=f"{structure.get_absolute_url()}#resilience-title",
                published=first_seen_at,
                summary=tuple(summary),
                author=structure.name,
                categories=tuple(themes),
            )
        )
    items.sort(key=lambda item: item.key)
    items.sort(key=lambda item: item.published, reverse=True)
    return items[:limit] if limit is not None else items


source_register(
    ItemSource(
        slug="structures",
        title=gettext_lazy("Nouvelles structures"),
        description=gettext_lazy(
            "Les structures publiées dans Maillage, les plus récentes d'abord."
        ),
        items=structure_items,
    )
)
source_register(
    ItemSource(
        slug=INITIATIVES,
        title=gettext_lazy("Nouvelles initiatives de résilience"),
        description=gettext_lazy(
            "Les initiatives de résilience des structures publiées, dans l'ordre de leur "
            "arrivée dans Maillage."
        ),
        items=initiative_items,
        prepare=initiatives_prepare,
    )
)
