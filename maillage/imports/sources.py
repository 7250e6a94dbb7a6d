"""The Source records shipped in data/sources.json."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from maillage.structures.models import Source


def default_sources_path() -> Path:
    return Path(settings.BUNDLED_DATA_DIR) / "sources.json"


@transaction.atomic
def sources_load(*, path: Path | None = None) -> int:
    """Add the sources of the file that the database lacks; return how many were added.

    Existing sources (same slug) keep an editor's changes.
    """
    content = json.loads((path or default_sources_path()).read_text(encoding="utf-8"))
    existing = set(Source.objects.values_list("slug", flat=True))
    missing = [
        Source(
            slug=entry["slug"],
            name=entry["name"],
            url=entry.get("url") or "",
            licence=entry.get("licence") or "",
            attribution=entry.get("attribution") or "",
            published_on=(
                dt.date.fromisoformat(entry["published_on"]) if entry.get("published_on") else None
            ),
            description=entry.get("description") or "",
        )
        for entry in content["sources"]
        if entry["slug"] not in existing
    ]
    Source.objects.bulk_create(missing)
    return len(missing)
