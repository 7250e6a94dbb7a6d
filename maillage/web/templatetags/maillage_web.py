"""Template filters of the public pages: safe links and type colours."""

import re
from urllib.parse import urlsplit

from django import template

register = template.Library()

_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# A neutral grey for a type an editor left without a colour (contrast-safe on a light tint).
FALLBACK_TYPE_COLOR = "#5f5b53"


@register.filter
def http_url(value: str) -> str:
    """The URL when it is an absolute http(s) URL, else '' (no javascript:, data:, ftp:...)."""
    if not value:
        return ""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() in {"http", "https"} and parts.netloc:
        return value.strip()
    return ""


@register.filter
def url_host(value: str) -> str:
    """'https://www.example.org/page' → 'example.org', for a readable link text."""
    try:
        host = urlsplit(value).hostname or value
    except ValueError:
        return value
    return host.removeprefix("www.")


@register.filter
def css_color(value: str) -> str:
    """A hexadecimal colour safe to put in a style attribute, or the neutral fallback."""
    if value and _HEX_COLOR.match(value.strip()):
        return value.strip()
    return FALLBACK_TYPE_COLOR
