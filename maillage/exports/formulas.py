"""Spreadsheet formula neutralisation (CSV injection), and its inverse for imports.

A text cell that starts with = + - @, a tab or a carriage return would be run as a formula
by a spreadsheet. Exports prefix such cells with an apostrophe, which spreadsheets display
as plain text; imports remove that apostrophe so that an export re-imports unchanged.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralise(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
