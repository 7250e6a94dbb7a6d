"""Published practice sheets as an item source of the feeds and digests (maillage.following).

A sheet follows a territory or a structure type through the structures it is linked to, and
a theme through its own themes: a sheet about mobility written by a fablab in Brittany is in
the feeds of Brittany, of fablabs and of mobility.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.following.filters import FollowFilters
from maillage.following.sources import FEED_LENGTH, FeedItem, ItemSource, source_register
from maillage.practices.models import PracticeSheet
from maillage.structures.models import Structure

SLUG = "pratiques"


def _sheets(filters: FollowFilters, since, until):
    queryset = PracticeSheet.objects.published().filter(published_at__isnull=False)
    if since:
        queryset = queryset.filter(published_at__gt=since)
    if until:
        queryset = queryset.filter(published_at__lte=until)
    if filters.theme:
        queryset = queryset.filter(themes__slug__in=filters.theme)
    places = dataclasses.replace(filters, theme=())
    if places.region or places.department or places.epci or places.commune or places.type:
        queryset = queryset.filter(structures__in=places.structures().values("pk"))
    return queryset.distinct()


def practice_count(filters: FollowFilters, *, since=None, until=None) -> int:
    return _sheets(filters, since, until).count()


def practice_items(
    filters: FollowFilters,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = FEED_LENGTH,
) -> list[FeedItem]:
    """Published sheets, newest publication first."""
    queryset = (
        _sheets(filters, since, until)
        .order_by("-published_at", "-pk")
        .prefetch_related("themes", "structures")
        .defer("body", "body_html", "search_document", "search_title")
    )
    if limit is not None:
        queryset = queryset[:limit]
    items = []
    for sheet in queryset:
        themes = tuple((t.slug, t.label) for t in sheet.themes.all())
        names = ", ".join(
            s.name for s in sheet.structures.all() if s.status == Structure.Status.PUBLISHED
        )
        kind = capfirst(sheet.get_kind_display())
        summary = [f"{kind} · {names}" if names else kind]
        if themes:
            summary.append(_("Thématiques : %s") % ", ".join(label for _slug, label in themes))
        summary.append(sheet.summary)
        items.append(
            FeedItem(
                source=SLUG,
                key=f"practice/{sheet.pk}",
                title=sheet.title,
                path=sheet.get_absolute_url(),
                published=sheet.published_at,
                summary=tuple(summary),
                author=names or "Maillage",
                categories=themes,
            )
        )
    return items


def register() -> None:
    source_register(
        ItemSource(
            slug=SLUG,
            title=gettext_lazy("Nouvelles fiches pratiques"),
            description=gettext_lazy(
                "Les fiches pratiques publiées : comment une structure a mené une "
                "expérimentation, un appel à projets, un hackathon, et ce qu'elle en a tiré."
            ),
            items=practice_items,
            count=practice_count,
        )
    )
