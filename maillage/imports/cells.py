"""Conversions of single cell values, shared by the profiles and the validation stage."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from maillage.structures.services import text_normalise

_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
MULTI_VALUE_SPLIT = re.compile(r"[|;]")


def cell_text(value: Any) -> str:
    """A cell as stripped text; numbers as written, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return text_normalise(str(value))


def split_multi(value: Any) -> list[str]:
    """Several values in one cell: a JSON list, or text separated by "|" (or ";")."""
    if isinstance(value, list | tuple):
        return [cell_text(item) for item in value if cell_text(item)]
    return [part.strip() for part in MULTI_VALUE_SPLIT.split(cell_text(value)) if part.strip()]


def normalise_url(text: str) -> str | None:
    """An http(s) URL from what people type ("www.x.fr" → "https://www.x.fr"); None if invalid."""
    text = text.strip()
    if not text:
        return ""
    if text.startswith("//"):
        text = "https:" + text
    elif not _SCHEME.match(text) or text.lower().startswith(("localhost:", "www.")):
        text = "https://" + text
    try:
        if urlsplit(text).scheme.lower() not in ("http", "https"):
            return None
        _URL_VALIDATOR(text)
    except (ValidationError, ValueError):  # ValueError: urlsplit on a malformed host
        return None
    return text


def url_host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")
