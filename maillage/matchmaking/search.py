"""The partner search as a visitor or an API client states it: who, where, what for.

`partner_search_parse` reads query parameters (the form's GET, or the API's) into a
`PartnerSearch` holding the terms, the commune and every problem found, each problem
naming its parameter and saying what to fix; nothing typed is lost. `partner_search_run`
turns a valid search into the three answers of /partenaires/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.matchmaking import selectors
from maillage.matchmaking.communes import CommuneLookup, commune_label, commune_lookup
from maillage.matchmaking.ranking import Need
from maillage.structures.models import Term

MAX_TEXT = 200
MAX_VALUES = 30
RESULTS = 12
COMPARABLE_RESULTS = 6

# Who is asking → the actor terms (data/vocabularies, kind "actor") a good partner serves
# (audiences) or already works with (partner kinds).
WHO = {
    "collectivite": (gettext_lazy("Une collectivité territoriale"), ("collectivites",)),
    "startup": (gettext_lazy("Une start-up"), ("startups",)),
    "grande-entreprise": (gettext_lazy("Une grande entreprise"), ("grandes-entreprises",)),
    "association": (gettext_lazy("Une association"), ("citoyens-associations",)),
    "recherche": (gettext_lazy("Un chercheur, un laboratoire de recherche"), ("recherche",)),
}


@dataclass(frozen=True)
class Problem:
    parameter: str
    value: str
    message: str


@dataclass
class PartnerSearch:
    submitted: bool = False
    who: str = ""
    commune_text: str = ""
    lookup: CommuneLookup | None = None
    themes: list[Term] = field(default_factory=list)
    formats: list[Term] = field(default_factory=list)
    actors: list[Term] = field(default_factory=list)
    text: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def commune(self):
        return self.lookup.commune if self.lookup else None

    @property
    def is_valid(self) -> bool:
        return self.submitted and not self.problems

    def problem_for(self, parameter: str) -> list[Problem]:
        return [p for p in self.problems if p.parameter == parameter]

    def need(self) -> Need:
        return selectors.need_build(
            themes=self.themes,
            formats=self.formats,
            audiences=self.actors,
            partner_kinds=self.actors,
            text=self.text,
            origin=selectors.commune_point(self.commune),
        )


def _values(params: Mapping, name: str) -> list[str]:
    """Repeated (theme=a&theme=b) or comma-separated (theme=a,b) values, deduplicated."""
    raw = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
    if isinstance(raw, str):
        raw = [raw]
    values: dict[str, None] = {}
    for item in raw[:MAX_VALUES]:
        for value in str(item).split(","):
            value = value.strip()[:80]
            if value:
                values.setdefault(value, None)
    return list(values)


def _single(params: Mapping, name: str) -> str:
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name) or ""]
    value = values[-1] if values else ""
    return " ".join(str(value).split())[:MAX_TEXT]


PARAMETERS = ("who", "commune", "theme", "format", "q")


def partner_search_parse(params: Mapping, *, vocabulary: list[Term]) -> PartnerSearch:
    """The search stated by params; vocabulary is every Term (one query, done by the caller)."""
    search = PartnerSearch(submitted=any(name in params for name in PARAMETERS))
    by_kind: dict[str, dict[str, Term]] = {}
    for term in vocabulary:
        by_kind.setdefault(term.kind, {})[term.slug] = term

    search.who = _single(params, "who")
    if search.who and search.who not in WHO:
        search.problems.append(
            Problem(
                "who",
                search.who,
                _("« %(value)s » n'est pas un profil connu : choisissez-en un dans la liste.")
                % {"value": search.who},
            )
        )
        search.who = ""
    if search.who:
        actors = by_kind.get(Term.Kind.ACTOR, {})
        search.actors = [actors[slug] for slug in WHO[search.who][1] if slug in actors]

    for parameter, kind, target in (
        ("theme", Term.Kind.THEME, search.themes),
        ("format", Term.Kind.FORMAT, search.formats),
    ):
        known = by_kind.get(kind, {})
        unknown = []
        for slug in _values(params, parameter):
            if slug in known:
                target.append(known[slug])
            else:
                unknown.append(slug)
        if unknown:
            message = (
                _("Thématique inconnue : %(values)s. Cochez les thématiques de la liste.")
                if parameter == "theme"
                else _("Format inconnu : %(values)s. Cochez les formats de la liste.")
            )
            search.problems.append(
                Problem(
                    parameter,
                    ", ".join(unknown),
                    message % {"values": ", ".join(f"« {v} »" for v in unknown)},
                )
            )

    search.text = _single(params, "q")
    search.commune_text = _single(params, "commune")
    if search.commune_text:
        search.lookup = commune_lookup(search.commune_text)
        if search.lookup.is_ambiguous:
            names = ", ".join(commune_label(c) for c in search.lookup.candidates[:8])
            search.problems.append(
                Problem(
                    "commune",
                    search.commune_text,
                    _(
                        "Plusieurs communes s'appellent « %(text)s » : %(names)s. "
                        "Précisez le département entre parenthèses ou le code postal."
                    )
                    % {"text": search.commune_text, "names": names},
                )
            )
        elif search.lookup.commune is None:
            search.problems.append(
                Problem(
                    "commune",
                    search.commune_text,
                    _(
                        "Aucune commune ne s'appelle « %(text)s ». Vérifiez l'orthographe, "
                        "ou saisissez son code postal."
                    )
                    % {"text": search.commune_text},
                )
            )

    nothing_asked = not (search.themes or search.formats or search.text)
    unknown_terms = search.problem_for("theme") or search.problem_for("format")
    if search.submitted and nothing_asked and not unknown_terms:
        search.problems.append(
            Problem(
                "theme",
                "",
                _(
                    "Cochez au moins une thématique ou un format d'activité (ou saisissez "
                    "des mots-clés) : c'est ce qui permet de trouver des partenaires."
                ),
            )
        )
    return search


@dataclass(frozen=True)
class PartnerResults:
    ranked: list[selectors.RankedStructure]
    comparable: list[selectors.RankedStructure]
    inspiration: selectors.Inspiration


def partner_search_run(search: PartnerSearch) -> PartnerResults:
    """Ranked partners, structures of comparable territories, and inspiration."""
    need = search.need()
    ranked = selectors.structures_rank(need, limit=RESULTS)
    comparable: list[selectors.RankedStructure] = []
    if search.commune is not None:
        queryset = selectors.comparable_territories_queryset(search.commune)
        if queryset is not None:
            comparable = selectors.structures_rank(
                need, queryset=queryset, limit=COMPARABLE_RESULTS
            )
    return PartnerResults(
        ranked=ranked, comparable=comparable, inspiration=selectors.inspiration_for(need)
    )
