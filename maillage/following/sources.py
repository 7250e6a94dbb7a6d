"""The item sources that feeds and digests are made of, in one small registry.

Each source says how to list its items published in a time window for some filters,
newest first. `/flux/<slug>.atom` serves one source, `/flux/tout.atom` and the digests
merge all of them. Adding a kind of item (practice sheets, …) is one `source_register`
call with an `items` function; nothing else in following changes.
"""

from __future__ import annotations

import datetime as dt
import itertools
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
    # count(filters, since=, until=) -> how many items items() would give without a limit;
    # without it, items() is called without a limit and counted.
    count: Callable[..., int] | None = field(default=None)


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


def source_count(
    source: ItemSource,
    filters: FollowFilters,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> int:
    if source.count:
        return source.count(filters, since=since, until=until)
    return len(source.items(filters, since=since, until=until, limit=None))


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


def _structures_arrived(filters: FollowFilters, since, until):
    queryset = filters.structures()
    if since:
        queryset = queryset.filter(created_at__gt=since)
    if until:
        queryset = queryset.filter(created_at__lte=until)
    return queryset


def structure_count(filters: FollowFilters, *, since=None, until=None) -> int:
    return _structures_arrived(filters, since, until).count()


def structure_items(
    filters: FollowFilters,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = FEED_LENGTH,
) -> list[FeedItem]:
    """Published structures by date of arrival in Maillage (created_at)."""
    queryset = _structures_arrived(filters, since, until)
    # Order the ids only, then read the rows: sorting whole rows (search columns included)
    # costs several times more.
    pks = queryset.order_by("-created_at", "-pk").values_list("pk", flat=True)
    pks = list(pks[:limit] if limit is not None else pks)
    rows = (
        Structure.objects.filter(pk__in=pks)
        .select_related("main_type", "commune", "source")
        .prefetch_related("themes")
        .defer("search_document", "search_name", "description")
        .in_bulk()
    )
    items = []
    for structure in (rows[pk] for pk in pks):
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


def initiatives_prepare(now: dt.datetime) -> None:
    """Record the initiatives seen for the first time now."""
    # Read from the initiatives' side (few) rather than join from the structures' (many).
    rows = list(ResilienceInitiative.objects.values_list("structure_id", "title", "started_on"))
    uids = dict(
        Structure.objects.published()
        .filter(pk__in={structure_id for structure_id, _t, _s in rows})
        .values_list("pk", "uid")
    )
    keys = {
        initiative_key(uids[structure_id], title, started_on)
        for structure_id, title, started_on in rows
        if structure_id in uids
    }
    known = set(Sighting.objects.filter(source=INITIATIVES).values_list("key", flat=True))
    Sighting.objects.bulk_create(
        [Sighting(source=INITIATIVES, key=key, first_seen_at=now) for key in keys - known],
        ignore_conflicts=True,
    )


def _initiative_batch(
    filters: FollowFilters, sightings: list[tuple[str, dt.datetime]]
) -> list[FeedItem]:
    """The items of sightings whose initiative still exists and matches the filters."""
    uids = {key.split("/", 1)[0] for key, _seen in sightings}
    structures = {
        structure.pk: structure
        for structure in filters.structures()
        .filter(uid__in=uids)
        .select_related("main_type", "commune")
        .prefetch_related("themes")
        .defer("search_document", "search_name", "description")
    }
    by_key = {}
    for initiative in ResilienceInitiative.objects.filter(
        structure_id__in=list(structures)
    ).select_related("category"):
        structure = structures[initiative.structure_id]
        by_key[initiative_key(structure.uid, initiative.title, initiative.started_on)] = (
            initiative,
            structure,
        )
    items = []
    for key, first_seen_at in sightings:
        if key not in by_key:
            continue  # removed since, unpublished, or outside the filters
        initiative, structure = by_key[key]
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
    return items


def initiative_items(
    filters: FollowFilters,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = FEED_LENGTH,
) -> list[FeedItem]:
    """Resilience initiatives of matching structures, by date of arrival in Maillage.

    Walks the sightings newest first, a batch at a time, until limit items match.
    """
    seen = Sighting.objects.filter(source=INITIATIVES)
    if since:
        seen = seen.filter(first_seen_at__gt=since)
    if until:
        seen = seen.filter(first_seen_at__lte=until)
    seen = seen.order_by("-first_seen_at", "key").values_list("key", "first_seen_at")
    items: list[FeedItem] = []
    batch_size = 500
    for offset in itertools.count(0, batch_size):
        batch = list(seen[offset : offset + batch_size])
        items.extend(_initiative_batch(filters, batch))
        if len(batch) < batch_size or (limit is not None and len(items) >= limit):
            break
    return items[:limit] if limit is not None else items


source_register(
    ItemSource(
        slug="structures",
        title=gettext_lazy("Nouvelles structures"),
        description=gettext_lazy(
            "Les structures publiées dans Maillage, les plus récentes d'abord."
        ),
        items=structure_items,
        count=structure_count,
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
