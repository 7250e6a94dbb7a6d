"""makemessages without fuzzy matching.

Django's default lets msgmerge guess a translation for a new string from a similar old one
and mark it fuzzy; such guesses are often wrong and compilemessages skips them, so a new
string is better left visibly untranslated (tests/test_translations.py lists them).
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
