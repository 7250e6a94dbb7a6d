"""{% feed_autodiscovery %}: the <link rel="alternate"> tags of the feeds that match a page.

On the map the feeds follow the page's own filters when they are ones the feeds know
(territory, theme, type: one query per kind given); a territory page gives its territory's
feeds; from_query=False gives the general feeds without a query.
"""

from django import template
from django.template.loader import render_to_string

from maillage.following.filters import PARAMETERS, FilterError, FollowFilters

register = template.Library()

TERRITORY_PARAMETER = {
    "region": "region",
    "departement": "department",
    "epci": "epci",
    "commune": "commune",
}


@register.simple_tag(takes_context=True)
def feed_autodiscovery(context, territory=None, from_query=True) -> str:
    from maillage.following.views import feed_links

    request = context.get("request")
    if territory is not None:
        params = {TERRITORY_PARAMETER[territory.kind]: [territory.code]}
    elif request is not None and from_query:
        params = {name: request.GET.getlist(name) for name in PARAMETERS if name in request.GET}
    else:
        params = {}
    try:
        filters = FollowFilters.parse(params)
    except FilterError:
        filters = FollowFilters()  # the page says what is wrong; offer the general feeds
    return render_to_string(
        "following/_feed_links.html",
        {
            "feeds": feed_links(filters),
            "feed_description": "" if filters.is_empty() else filters.describe(),
        },
    )
