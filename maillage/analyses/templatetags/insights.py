"""Number filters of the insights pages and the guide: the same wording as the analyses."""

from django import template

from maillage.analyses.numbers import fmt, fmt_pct

register = template.Library()


@register.filter
def num(value, decimals=0):
    """A number in the active language, '–' for None."""
    return fmt(value, int(decimals))


@register.filter
def pct(value, decimals=1):
    return fmt_pct(value, int(decimals))
