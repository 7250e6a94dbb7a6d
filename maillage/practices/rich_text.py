"""Markdown typed by people, rendered to HTML that is safe to show anywhere.

markdown-it-py renders CommonMark (raw HTML included, so that nothing is silently lost in the
rendering), then nh3 (the Ammonia sanitiser) keeps only an allow-list of tags and attributes:
no script, style, iframe, SVG, image or form; no event handler attribute; links only to http,
https and mailto addresses, marked rel="nofollow noopener noreferrer".
"""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr", "li",
        "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
        "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# The text is shown under the page's h1 and a section's h2: its headings start at h3.
_HEADING = re.compile(r"<(/?)h([1-6])>")
_HEADING_LEVEL = {"1": "3", "2": "3", "3": "4", "4": "5", "5": "6", "6": "6"}


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

    Headings start at h3 (the page has its h1 and the section its h2): '# Titre' and
    '## Titre' are shown as h3, '### Titre' as h4, and so on.
    """
    if not text or not text.strip():
        return ""
    html = _markdown().render(text)
    html = _HEADING.sub(lambda m: f"<{m[1]}h{_HEADING_LEVEL[m[2]]}>", html)
    return sanitize(html).strip()
