"""The interface speaks French first, with a complete English translation."""

import gettext
import subprocess
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "maillage/locale/en/LC_MESSAGES"


def test_every_string_has_an_english_translation():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"Translate in django.po (make messages): {untranslated[:10]}"
    assert not fuzzy, f"Check these guessed translations in django.po: {fuzzy[:10]}"


def test_the_compiled_catalogue_is_up_to_date(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", compiled, LOCALE / "django.po"], check=True)
    with compiled.open("rb") as fresh, (LOCALE / "django.mo").open("rb") as shipped:
        expected = gettext.GNUTranslations(fresh)._catalog
        assert gettext.GNUTranslations(shipped)._catalog == expected, "Run make messages"
