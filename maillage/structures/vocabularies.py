"""Controlled vocabularies loaded from data/vocabularies/vocabularies.json.

Vocabularies are data: editors change labels and add terms in the admin. Loading only adds
the terms that are missing, so it never overwrites an editor's edit and can run at every start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from django.conf import settings
from django.db import transaction

from maillage.structures.models import Term
from maillage.structures.version_cache import kept

# Keys of vocabularies.json → Term.Kind.
_KINDS = {
    "type": Term.Kind.TYPE,
    "theme": Term.Kind.THEME,
    "format": Term.Kind.FORMAT,
    "actor": Term.Kind.ACTOR,
    "resilience": Term.Kind.RESILIENCE,
}


def default_vocabularies_path() -> Path:
    return Path(settings.BUNDLED_DATA_DIR) / "vocabularies" / "vocabularies.json"


@transaction.atomic
def vocabularies_load(*, path: Path | None = None) -> int:
    """Add the terms of the vocabulary file that the database lacks; return how many were added.

    Existing terms (same kind and slug) are left exactly as they are.
    Raises OSError or ValueError (json.JSONDecodeError, KeyError as ValueError) on a bad file.
    """
    content = json.loads((path or default_vocabularies_path()).read_text(encoding="utf-8"))
    existing = set(Term.objects.values_list("kind", "slug"))
    missing = []
    for key, kind in _KINDS.items():
        for position, entry in enumerate(content.get(key, [])):
            if (kind, entry["slug"]) in existing:
                continue
            missing.append(
                Term(
                    kind=kind,
                    slug=entry["slug"],
                    label_fr=entry["fr"],
                    label_en=entry.get("en") or entry["fr"],
                    description_fr=entry.get("description_fr", ""),
                    description_en=entry.get("description_en", ""),
                    color=entry.get("color", ""),
                    position=position,
                )
            )
    Term.objects.bulk_create(missing)
    return len(missing)


@dataclass(frozen=True)
class Vocabulary:
    """Every term of the vocabularies, by (kind, slug): its key and its labels."""

    ids: Mapping[tuple[str, str], int]
    labels: Mapping[tuple[str, str], tuple[str, str]]  # (French, English)


def vocabulary(version: str | None = None) -> Vocabulary:
    """The terms' keys and labels (one query), read once per data version when the version
    the caller read is given (maillage.structures.version_cache), every time otherwise."""

    def load() -> Vocabulary:
        rows = Term.objects.values_list("pk", "kind", "slug", "label_fr", "label_en")
        return Vocabulary(
            ids=MappingProxyType({(kind, slug): pk for pk, kind, slug, _fr, _en in rows}),
            labels=MappingProxyType({(kind, slug): (fr, en) for _pk, kind, slug, fr, en in rows}),
        )

    return kept(version, "vocabulary", load)
