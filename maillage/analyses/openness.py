"""An open-innovation level per structure, from what it declares, compared across types.

The method is deliberately simple and printed on the page (METHOD below is what the page
shows): points for each distinct kind of partner, for each format of activity (more for the
formats that open the structure to outsiders), and for each kind of audience, scaled to
0–100 against the maximum the current vocabularies allow. Structures that declare no
partner, format or audience are left out: no information is not a low level.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.utils.translation import gettext as _

from maillage.analyses.selection import Item, Selection
from maillage.analyses.tables import SCORE, Column, Row, Table
from maillage.structures.models import Term

POINTS_PER_PARTNER_KIND = 2
POINTS_PER_OPEN_FORMAT = 3
POINTS_PER_OTHER_FORMAT = 1
POINTS_PER_AUDIENCE = 1
# Formats that bring outsiders into the structure's work.
OPEN_FORMATS = ("experimentation", "appels-projets", "hackathons")


@dataclass(frozen=True)
class Weights:
    partner_kinds: int
    open_formats: int
    other_formats: int
    audiences: int

    @property
    def maximum(self) -> int:
        return (
            POINTS_PER_PARTNER_KIND * self.partner_kinds
            + POINTS_PER_OPEN_FORMAT * self.open_formats
            + POINTS_PER_OTHER_FORMAT * self.other_formats
            + POINTS_PER_AUDIENCE * self.audiences
        )


def weights_for(selection: Selection) -> Weights:
    formats = [t.slug for t in selection.vocabulary.of(Term.Kind.FORMAT)]
    actors = len(selection.vocabulary.of(Term.Kind.ACTOR))
    open_count = sum(1 for slug in formats if slug in OPEN_FORMATS)
    return Weights(actors, open_count, len(formats) - open_count, actors)


def is_described(item: Item) -> bool:
    return bool(item.partner_kinds or item.formats or item.audiences)


def raw_points(item: Item) -> int:
    open_formats = sum(1 for slug in item.formats if slug in OPEN_FORMATS)
    return (
        POINTS_PER_PARTNER_KIND * len(item.partner_kinds)
        + POINTS_PER_OPEN_FORMAT * open_formats
        + POINTS_PER_OTHER_FORMAT * (len(item.formats) - open_formats)
        + POINTS_PER_AUDIENCE * len(item.audiences)
    )


def score(item: Item, weights: Weights) -> float | None:
    """The structure's level on 0–100, or None when it declares nothing to score."""
    if not is_described(item) or not weights.maximum:
        return None
    return 100.0 * raw_points(item) / weights.maximum


def method_lines(selection: Selection, weights: Weights) -> list[str]:
    """The method in words, with the weights and vocabulary sizes actually used."""
    open_labels = ", ".join(
        selection.vocabulary.label(Term.Kind.FORMAT, slug).lower() for slug in OPEN_FORMATS
    )
    return [
        _("%(points)s points par type de partenaire distinct (%(n)s types possibles) ;")
        % {"points": POINTS_PER_PARTNER_KIND, "n": weights.partner_kinds},
        _("%(points)s points par format ouvert (%(formats)s) ;")
        % {"points": POINTS_PER_OPEN_FORMAT, "formats": open_labels},
        _("%(points)s point par autre format d'activité (%(n)s formats) ;")
        % {"points": POINTS_PER_OTHER_FORMAT, "n": weights.other_formats},
        _("%(points)s point par type de public accompagné (%(n)s types possibles) ;")
        % {"points": POINTS_PER_AUDIENCE, "n": weights.audiences},
        _(
            "le total est ramené sur 100 (100 = maximum possible, %(max)s points) ; les "
            "structures qui ne déclarent ni partenaire, ni format, ni public ne sont pas notées."
        )
        % {"max": weights.maximum},
    ]


def by_type(selection: Selection) -> tuple[Table, Weights]:
    """Mean and median level per main type, with how many structures could be scored."""
    weights = weights_for(selection)
    scores: dict[str, list[float]] = {}
    for item in selection.items:
        value = score(item, weights)
        if value is not None:
            scores.setdefault(item.type, []).append(value)
    counts: dict[str, int] = {}
    for item in selection.items:
        counts[item.type] = counts.get(item.type, 0) + 1
    table = Table(
        key="openness",
        caption=_("Niveau d'innovation ouverte par type de structure (sur 100)"),
        row_header=_("Type"),
        columns=[
            Column(_("Structures")),
            Column(_("Structures notées")),
            Column(_("Moyenne"), SCORE),
            Column(_("Médiane"), SCORE),
        ],
    )
    everything = [v for values in scores.values() for v in values]
    for term in selection.vocabulary.of(Term.Kind.TYPE):
        values = scores.get(term.slug, [])
        table.rows.append(
            Row(
                term.label,
                [
                    counts.get(term.slug, 0),
                    len(values),
                    statistics.fmean(values) if values else None,
                    statistics.median(values) if values else None,
                ],
                key=term.slug,
                color=term.color,
            )
        )
    table.rows.append(
        Row(
            _("Toutes les structures"),
            [
                len(selection),
                len(everything),
                statistics.fmean(everything) if everything else None,
                statistics.median(everything) if everything else None,
            ],
            key="all",
        )
    )
    return table, weights
