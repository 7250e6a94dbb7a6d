"""Safe arithmetic and French number wording for the analyses.

Every ratio goes through these helpers so that an empty selection or a territory without
population gives None ("not applicable") instead of a division by zero.
"""

from __future__ import annotations

from django.utils.formats import number_format


def share(part: float, whole: float) -> float | None:
    """part / whole as a percentage, or None when whole is zero."""
    if not whole:
        return None
    return 100.0 * part / whole


def per_100k(count: float, population: float) -> float | None:
    """count per 100,000 inhabitants, or None without population."""
    if not population:
        return None
    return 100_000.0 * count / population


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def fmt(value: float | None, decimals: int = 1) -> str:
    """A number in the active language (1 234,5 in French); '–' when not applicable."""
    if value is None:
        return "–"
    if decimals == 0 or float(value).is_integer() and decimals <= 1:
        return number_format(round(value), 0, force_grouping=True)
    return number_format(round(value, decimals), decimals, force_grouping=True)


def fmt_pct(value: float | None, decimals: int = 1) -> str:
    """'33,3 %' (a no-break space before the sign, as French typography wants)."""
    if value is None:
        return "–"
    return f"{fmt(value, decimals)}\u00a0%"
