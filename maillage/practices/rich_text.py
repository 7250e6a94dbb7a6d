"""Markdown typed by people, rendered to HTML that is safe to show anywhere.

markdown-it-py renders CommonMark (raw HTML included, so that nothing is silently lost in the
rendering), then nh3 (the Ammonia sanitiser) keeps only an allow-list of tags and attributes:
no script, style, iframe, SVG, image or form; no event handler attribute; links only to http,
https and mailto addresses, marked rel="nofollow noopener noreferrer".
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "li",
        "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
        "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@functools.cache
def _markdown() -> MarkdownIt:
    # linkify off: it would need an extra package; "typographer" off: French quotes are typed.
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def sanitize(html: str) -> str:
    """HTML reduced to the allow-list; anything else is removed (dangerous elements with
    their content, other unknown tags keeping their text)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def markdown_render(text: str) -> str:
    """Markdown (CommonMark, with tables) as sanitised HTML; '' for an empty text.

    Headings start at h2 (h1 is the page's title): '# Titre' is shown as an h2.
    """
    if not text or not text.strip():
        return ""
    html = _markdown().render(text)
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    html = html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    html = html.replace("<h6>", "<h4>").replace("</h6>", "</h4>")
    return sanitize(html).strip()
