"""Find a vocabulary term from what a file says: its slug, or its French or English label,
whatever the case and accents."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from maillage.structures.models import Term
from maillage.structures.text_search import fold


class VocabularyIndex:
    def __init__(self) -> None:
        self._index: dict[str, dict[str, str]] = defaultdict(dict)
        self._accepted: dict[str, list[str]] = defaultdict(list)
        self._found: dict[tuple[str, str], str | None] = {}
        fragments: dict[tuple[str, str], set[str]] = defaultdict(set)
        for term in Term.objects.order_by("kind", "position", "slug"):
            self._accepted[term.kind].append(f"{term.slug} ({term.label_fr})")
            for key in (term.slug, term.label_fr, term.label_en):
                self._index[term.kind][fold(key)] = term.slug
            # "Tiers-lieu / coworking" is also found as "coworking".
            for label in (term.label_fr, term.label_en):
                for part in label.split("/"):
                    if fold(part):
                        fragments[(term.kind, fold(part))].add(term.slug)
        for (kind, key), slugs in fragments.items():
            if len(slugs) == 1:  # an ambiguous fragment means nothing
                self._index[kind].setdefault(key, next(iter(slugs)))

    def lookup(self, kind: str, text: str) -> str | None:
        # A file repeats the same few labels on every row: fold each once.
        key = (kind, text)
        if key not in self._found:
            self._found[key] = self._index[kind].get(fold(text))
        return self._found[key]

    def accepted(self, kind: str) -> str:
        return ", ".join(self._accepted[kind]) or _("(vocabulaire vide)")
