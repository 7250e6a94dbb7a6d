"""Atom feeds of the item sources (/flux/<source>.atom, /flux/tout.atom), with Django's
syndication framework. Filters come from the query string (see maillage.following.filters);
a parameter or value Maillage does not know gives a 404 page that says which and why."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from maillage.following.filters import FilterError, FollowFilters
from maillage.following.sources import (
    ALL,
    FeedItem,
    items_list,
    source_get,
    sources_prepare,
)

# The year in the entries' tag URIs (RFC 4151): when this naming scheme was minted. Never
# change it, or every entry gets a new id and readers show them all again.
TAG_DATE = "2026"


def tag_uri(key: str) -> str:
    """A stable id for a key: tag:<site host>,2026:<key>."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{key}"


def feed_path(slug: str, filters: FollowFilters) -> str:
    query = filters.query_string()
    return reverse("following:feed", args=[slug]) + (f"?{query}" if query else "")


def feed_title(slug: str) -> str:
    source = source_get(slug)
    return str(source.title) if source else _("Toutes les nouveautés")


@dataclass(frozen=True)
class Selection:
    slug: str
    filters: FollowFilters


class ItemsFeed(Feed):
    feed_type = Atom1Feed
    item_guid_is_permalink = False
    author_name = "Maillage"
    feed_copyright = settings.DATA_LICENCE

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = super().__call__(request, *args, **kwargs)
        except FilterError as error:
            return render(
                request,
                "following/feed_not_found.html",
                {"problems": error.problems, "feeds_url": reverse("following:feeds")},
                status=404,
            )
        response["Content-Type"] = "application/atom+xml; charset=utf-8"
        return response

    def get_object(self, request: HttpRequest, slug: str) -> Selection:
        if slug != ALL and source_get(slug) is None:
            raise Http404(_("Ce flux n'existe pas."))
        filters = FollowFilters.parse(request.GET)
        sources_prepare()
        return Selection(slug, filters)

    def title(self, obj: Selection) -> str:
        title = f"Maillage · {feed_title(obj.slug)}"
        return f"{title} · {obj.filters.describe()}" if not obj.filters.is_empty() else title

    def subtitle(self, obj: Selection) -> str:
        source = source_get(obj.slug)
        text = str(source.description) if source else _("Tout ce qui arrive dans Maillage.")
        return f"{text} {_('Sélection :')} {obj.filters.describe()}."

    def link(self, obj: Selection) -> str:
        query = obj.filters.query_string()
        return reverse("following:feeds") + (f"?{query}" if query else "")

    def feed_url(self, obj: Selection) -> str:
        return feed_path(obj.slug, obj.filters)

    def feed_guid(self, obj: Selection) -> str:
        query = obj.filters.query_string()
        return tag_uri(f"flux/{obj.slug}" + (f"?{query}" if query else ""))

    def items(self, obj: Selection) -> list[FeedItem]:
        if obj.slug != ALL:
            return items_list(filters=obj.filters, slugs=[obj.slug])
        # In the feed of everything, each entry says what kind of item it is.
        return [
            replace(item, title=f"{item.title} ({source_get(item.source).title})")
            for item in items_list(filters=obj.filters)
        ]

    def item_title(self, item: FeedItem) -> str:
        return item.title

    def item_link(self, item: FeedItem) -> str:
        return item.path

    def item_description(self, item: FeedItem) -> str:
        # Atom's summary is written with type="html": plain text is escaped once here.
        return "<br>".join(escape(line) for line in item.summary)

    def item_author_name(self, item: FeedItem) -> str:
        return item.author

    def item_pubdate(self, item: FeedItem):
        return item.published

    def item_updateddate(self, item: FeedItem):
        return item.published

    def item_guid(self, item: FeedItem) -> str:
        return tag_uri(item.key)

    def item_categories(self, item: FeedItem) -> list[str]:
        return [label for _slug, label in item.categories]
