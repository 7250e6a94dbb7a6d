"""Distribution of the selection by type, theme, format, audience and partner kind."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _

from maillage.analyses.numbers import fmt, share
from maillage.analyses.selection import Selection
from maillage.analyses.tables import PERCENT, Column, Row, Table
from maillage.structures.models import Term

# (table key, Structure relation, vocabulary kind, caption)
FACETS = (
    ("themes", "themes", Term.Kind.THEME),
    ("formats", "formats", Term.Kind.FORMAT),
    ("audiences", "audiences", Term.Kind.ACTOR),
    ("partners", "partner_kinds", Term.Kind.ACTOR),
)


def _captions() -> dict[str, str]:
    return {
        "types": _("Structures par type principal"),
        "themes": _("Structures par thématique"),
        "formats": _("Structures par format d'activité"),
        "audiences": _("Structures par public accompagné"),
        "partners": _("Structures par type de partenaire"),
    }


def by_type(selection: Selection) -> Table:
    """Each type with its number of structures (main type: the shares add up to 100 %)."""
    counts = Counter(item.type for item in selection.items)
    total = len(selection)
    table = Table(
        key="types",
        caption=_captions()["types"],
        row_header=_("Type"),
        columns=[Column(_("Structures")), Column(_("Part des structures"), PERCENT)],
        note=_("Chaque structure compte une fois, pour son type principal."),
    )
    for term in selection.vocabulary.of(Term.Kind.TYPE):
        n = counts.get(term.slug, 0)
        table.rows.append(Row(term.label, [n, share(n, total)], key=term.slug, color=term.color))
    return table


def by_term(selection: Selection, key: str) -> Table:
    """Structures having each term of a multi-valued vocabulary (a structure has several)."""
    relation, kind = next((r, k) for k_, r, k in FACETS if k_ == key)
    counts: Counter[str] = Counter()
    described = 0
    for item in selection.items:
        values = getattr(item, relation)
        counts.update(values)
        described += bool(values)
    total = len(selection)
    table = Table(
        key=key,
        caption=_captions()[key],
        row_header=_("Valeur"),
        columns=[Column(_("Structures")), Column(_("Part des structures"), PERCENT)],
        note=_(
            "Une structure peut en déclarer plusieurs : les parts ne s'additionnent pas. "
            "%(described)s structures sur %(total)s renseignent ce champ."
        )
        % {"described": fmt(described, 0), "total": fmt(total, 0)},
    )
    for term in selection.vocabulary.of(kind):
        n = counts.get(term.slug, 0)
        table.rows.append(Row(term.label, [n, share(n, total)], key=term.slug))
    return table


def cross_table(selection: Selection, key: str) -> Table:
    """Types (rows) × terms of one vocabulary (columns): number of structures having both."""
    relation, kind = next((r, k) for k_, r, k in FACETS if k_ == key)
    terms = selection.vocabulary.of(kind)
    counts: Counter[tuple[str, str]] = Counter()
    for item in selection.items:
        for slug in getattr(item, relation):
            counts[item.type, slug] += 1
    captions = {
        "themes": _("Types de structures × thématiques"),
        "partners": _("Types de structures × types de partenaires"),
    }
    table = Table(
        key=f"types-{key}",
        caption=captions.get(key, key),
        row_header=_("Type"),
        columns=[Column(term.label) for term in terms],
        note=_("Nombre de structures de chaque type principal déclarant chaque valeur."),
    )
    for term in selection.vocabulary.of(Term.Kind.TYPE):
        table.rows.append(
            Row(
                term.label,
                [counts.get((term.slug, t.slug), 0) for t in terms],
                key=term.slug,
                color=term.color,
            )
        )
    return table
