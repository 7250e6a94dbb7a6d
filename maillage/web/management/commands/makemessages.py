"""makemessages without fuzzy matching, and aware of ngettext_forms.

Django's default lets msgmerge guess a translation for a new string from a similar old one
and mark it fuzzy; such guesses are often wrong and compilemessages skips them, so a new
string is better left visibly untranslated (tests/test_translations.py lists them).
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
    # ngettext_forms(singular, plural) gives the browser code both forms of a string.
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=ngettext_forms:1,2"]
