"""Read-only queries over practice sheets: the public list with its filters, one sheet,
the sheets of a structure, and the sheets of the guide."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from maillage.practices import access
from maillage.practices.models import PracticeSheet
from maillage.practices.search import practice_search
from maillage.referential.models import Region
from maillage.structures.models import Structure, Term
from maillage.structures.selectors import PUBLIC_STATUSES

MAX_QUERY_LENGTH = 200
FILTER_PARAMETERS = ("q", "theme", "format", "kind", "type", "region")


@dataclass(frozen=True)
class FilterProblem:
    parameter: str
    value: str
    message: str


@dataclass
class PracticeFilters:
    """The filters of the list page and the API: one value each, all optional."""

    q: str = ""
    theme: str = ""
    format: str = ""
    kind: str = ""
    type: str = ""
    region: str = ""
    problems: list[FilterProblem] = field(default_factory=list)

    @classmethod
    def parse(cls, params) -> PracticeFilters:
        """Filters from query parameters; an unknown value is dropped and named in problems."""
        filters = cls(q=(params.get("q") or "").strip()[:MAX_QUERY_LENGTH])
        checks = {
            "theme": (
                lambda v: Term.objects.filter(kind=Term.Kind.THEME, slug=v).exists(),
                _("Thématique inconnue"),
            ),
            "format": (
                lambda v: Term.objects.filter(kind=Term.Kind.FORMAT, slug=v).exists(),
                _("Format d'activité inconnu"),
            ),
            "kind": (lambda v: v in PracticeSheet.Kind.values, _("Nature de pratique inconnue")),
            "type": (
                lambda v: Term.objects.filter(kind=Term.Kind.TYPE, slug=v).exists(),
                _("Type de structure inconnu"),
            ),
            "region": (lambda v: Region.objects.filter(code=v).exists(), _("Région inconnue")),
        }
        for name, (known, message) in checks.items():
            value = (params.get(name) or "").strip()[:100]
            if not value:
                continue
            if known(value):
                setattr(filters, name, value)
            else:
                filters.problems.append(
                    FilterProblem(
                        name,
                        value,
                        _("%(what)s : « %(value)s » (filtre ignoré).")
                        % {"what": message, "value": value},
                    )
                )
        return filters

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in FILTER_PARAMETERS)

    def apply(self, sheets: QuerySet[PracticeSheet]) -> QuerySet[PracticeSheet]:
        # Relations are filtered through subqueries of primary keys: no join that would
        # repeat a sheet, no DISTINCT.
        matching = PracticeSheet.objects.all()
        if self.theme:
            sheets = sheets.filter(
                pk__in=matching.filter(
                    themes__kind=Term.Kind.THEME, themes__slug=self.theme
                ).values("pk")
            )
        if self.format:
            sheets = sheets.filter(
                pk__in=matching.filter(
                    formats__kind=Term.Kind.FORMAT, formats__slug=self.format
                ).values("pk")
            )
        if self.kind:
            sheets = sheets.filter(kind=self.kind)
        if self.type or self.region:
            # One linked, visible structure must meet both criteria.
            linked = Structure.objects.filter(status__in=PUBLIC_STATUSES)
            if self.type:
                linked = linked.filter(main_type__slug=self.type)
            if self.region:
                linked = linked.filter(commune__department__region_id=self.region)
            sheets = sheets.filter(
                pk__in=matching.filter(structures__in=linked.values("pk")).values("pk")
            )
        if self.q:
            return practice_search(sheets, self.q)
        return sheets.order_by("-published_at", "-id")


def _with_relations(sheets: QuerySet[PracticeSheet]) -> QuerySet[PracticeSheet]:
    return sheets.prefetch_related(
        Prefetch(
            "structures",
            queryset=Structure.objects.filter(status__in=PUBLIC_STATUSES)
            .select_related("main_type", "commune__department__region")
            .order_by("name"),
            to_attr="public_structures",
        ),
        Prefetch("themes", queryset=Term.objects.order_by("position", "label_fr")),
        Prefetch("formats", queryset=Term.objects.order_by("position", "label_fr")),
    )


def practice_list(*, filters: PracticeFilters) -> QuerySet[PracticeSheet]:
    """Published sheets under filters (best first with a query, else newest first)."""
    return _with_relations(filters.apply(PracticeSheet.objects.published()))


def practice_get(*, slug: str, user=None) -> PracticeSheet | None:
    """The sheet with this slug if user may see it (published, or a draft they may edit)."""
    sheet = (
        _with_relations(PracticeSheet.objects.filter(slug=slug)).select_related("author").first()
    )
    if sheet is None or not access.user_can_view_practice(user, sheet):
        return None
    return sheet


def practice_get_published(*, slug: str) -> PracticeSheet | None:
    return _with_relations(PracticeSheet.objects.published().filter(slug=slug)).first()


def structure_practices(*, structure: Structure) -> list[PracticeSheet]:
    """The published sheets linked to structure, newest first (one query)."""
    return list(
        PracticeSheet.objects.published()
        .filter(structures=structure)
        .only("slug", "title", "kind", "summary", "published_at")
        .order_by("-published_at", "-id")
    )


def guide_practices(*, structure_ids) -> list[PracticeSheet]:
    """Published sheets linked to at least one structure of the guide's selection
    (structure_ids: a subquery or list of primary keys), by title."""
    linked = PracticeSheet.objects.filter(structures__in=structure_ids).values("pk")
    sheets = PracticeSheet.objects.published().filter(pk__in=linked)
    return list(_with_relations(sheets).order_by("title", "id"))


def filter_choices() -> dict:
    """The vocabularies the list page's filters offer."""
    return {
        "themes": list(Term.objects.filter(kind=Term.Kind.THEME).order_by("position", "label_fr")),
        "formats": list(
            Term.objects.filter(kind=Term.Kind.FORMAT).order_by("position", "label_fr")
        ),
        "types": list(Term.objects.filter(kind=Term.Kind.TYPE).order_by("position", "label_fr")),
        "kinds": PracticeSheet.Kind.choices,
        "regions": list(Region.objects.order_by("name")),
    }
