"""Which release of Maillage's code is running, for the keys of what it keeps.

Answers kept in a shared cache (Redis: API answers, the map's payload, the home page's
figures) and the map payload's immutable URL are keyed on the data version, which only
changes with the data. A new release can change what is computed from the same data (a
field added to the API, the payload's layout): keyed on the release too, its answers are
computed afresh instead of read from what the previous release kept.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.conf import settings

# What decides an answer: code, templates and translations (the vocabularies and the
# referential are data, in the database, and change the data version when loaded).
_SOURCE_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo", ".json", ".csv"})
_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def release() -> str:
    """MAILLAGE_RELEASE when set (a deployment's tag or commit), else a fingerprint of the
    package's source files: 12 hexadecimal characters, the same in every process of a
    release. Computed once per process (about 20 ms; before the fork under gunicorn)."""
    if settings.RELEASE:
        return settings.RELEASE
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(_PACKAGE.rglob("*")):
        relative = path.relative_to(_PACKAGE)
        if path.suffix in _SOURCE_SUFFIXES and "static" not in relative.parts and path.is_file():
            digest.update(str(relative).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
