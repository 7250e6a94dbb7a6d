"""Identifiers derived from a record's source and key stay what they always were: reloading
a source must find its structures again."""

import base64
import hashlib

from maillage.structures.services import structure_uid


def test_derived_identifiers_are_the_first_characters_of_the_whole_digest():
    for source, key in [("maillage", "42"), ("curated-2026", "Fablab de Nantes|44109"), ("", "é")]:
        digest = hashlib.sha256(f"{source}\x1f{key}".encode()).digest()
        expected = "mlg-" + base64.b32encode(digest).decode("ascii")[:8].lower()
        assert structure_uid(source=source, key=key) == expected


def test_random_identifiers_have_the_same_shape():
    uid = structure_uid()
    assert uid.startswith("mlg-") and len(uid) == 12 and uid[4:].isalnum()
