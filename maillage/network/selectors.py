"""Read the partnership links of a scope from the database and build its graph.

Each function runs a fixed, small number of queries whatever the data: the links are read
with their structures and kinds joined (`values()` rows), never one query per node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from maillage.network.graph import (
    MAX_NODES,
    Graph,
    KindInfo,
    PartnerLink,
    StructureInfo,
    build_graph,
    normalise_name,
)
from maillage.network.scopes import Scope
from maillage.structures.models import NamedPartner, Structure

# Visible structures: a closed one keeps its page, a pending one stays hidden.
PUBLIC_STATUSES = (Structure.Status.PUBLISHED, Structure.Status.CLOSED)
DEFAULT_TYPE_COLOR = "#5f5b53"
# Partner kinds carry no colour in the shipped vocabulary: one from this palette by the
# kind's position, unless an editor gives the term a colour. Lighter than the structure
# type colours; the graph draws partners as squares with a dark outline.
PARTNER_PALETTE = (
    "#74c0fc",
    "#faa2c1",
    "#63e6be",
    "#ffd43b",
    "#b197fc",
    "#ffa94d",
    "#8ce99a",
    "#ced4da",
)
UNKNOWN_KIND_COLOR = "#ffffff"


def _values(prefix: str) -> list[str]:
    return [
        f"{prefix}__id",
        f"{prefix}__slug",
        f"{prefix}__name",
        f"{prefix}__status",
        f"{prefix}__main_type__slug",
        f"{prefix}__main_type__label_fr",
        f"{prefix}__main_type__label_en",
        f"{prefix}__main_type__color",
    ]


VALUES = (
    "pk",
    "name",
    "kind__slug",
    "kind__label_fr",
    "kind__label_en",
    "kind__color",
    "kind__position",
    *_values("structure"),
    *_values("partner_structure"),
)


class _Reader:
    """Turns `values()` rows into PartnerLinks, sharing one StructureInfo per structure."""

    def __init__(self) -> None:
        self.english = (get_language() or "fr").startswith("en")
        self.structures: dict[int, StructureInfo] = {}
        # One reverse() for all: the page address of a structure is this with its slug.
        self.url_prefix, self.url_suffix = reverse("web:structure_detail", args=["__slug__"]).split(
            "__slug__"
        )

    def structure(self, row: dict, prefix: str) -> StructureInfo | None:
        pk = row[f"{prefix}__id"]
        if pk is None or row[f"{prefix}__status"] not in PUBLIC_STATUSES:
            return None
        if pk not in self.structures:
            slug = row[f"{prefix}__slug"]
            self.structures[pk] = StructureInfo(
                pk=pk,
                slug=slug,
                name=row[f"{prefix}__name"],
                type_slug=row[f"{prefix}__main_type__slug"],
                type_label=row[
                    f"{prefix}__main_type__label_en"
                    if self.english
                    else f"{prefix}__main_type__label_fr"
                ],
                type_color=row[f"{prefix}__main_type__color"] or DEFAULT_TYPE_COLOR,
                url=f"{self.url_prefix}{quote(slug)}{self.url_suffix}",
                closed=row[f"{prefix}__status"] == Structure.Status.CLOSED,
            )
        return self.structures[pk]

    def link(self, row: dict, ring: int) -> PartnerLink:
        kind = None
        if row["kind__slug"]:
            kind = KindInfo(
                slug=row["kind__slug"],
                label=row["kind__label_en" if self.english else "kind__label_fr"],
                color=row["kind__color"]
                or PARTNER_PALETTE[(row["kind__position"] or 0) % len(PARTNER_PALETTE)],
            )
        structure = self.structure(row, "structure")
        assert structure is not None  # the queries keep public structures only
        return PartnerLink(
            structure=structure,
            partner_name=row["name"],
            kind=kind,
            partner_structure=self.structure(row, "partner_structure"),
            ring=ring,
        )

    def info(self, structure: Structure) -> StructureInfo:
        """The StructureInfo of a structure already loaded with its main type."""
        if structure.pk not in self.structures:
            term = structure.main_type
            self.structures[structure.pk] = StructureInfo(
                pk=structure.pk,
                slug=structure.slug,
                name=structure.name,
                type_slug=term.slug,
                type_label=term.label_en if self.english else term.label_fr,
                type_color=term.color or DEFAULT_TYPE_COLOR,
                url=structure.get_absolute_url(),
                closed=structure.status == Structure.Status.CLOSED,
            )
        return self.structures[structure.pk]


def _rows(condition: Q):
    return (
        NamedPartner.objects.filter(structure__status__in=PUBLIC_STATUSES)
        .filter(condition)
        .values(*VALUES)
        .order_by("pk")
    )


# Letters a partner name may carry with an accent, in either case.
_ACCENTED = {
    "a": "aàâäáãåAÀÂÄÁÃÅ",
    "c": "cçCÇ",
    "e": "eéèêëEÉÈÊË",
    "i": "iîïíìIÎÏÍÌ",
    "n": "nñNÑ",
    "o": "oôöóòõOÔÖÓÒÕ",
    "u": "uûüùúUÛÜÙÚ",
    "y": "yÿýYŸÝ",
}
# Anything but a letter or a digit, between two of them (a space, a hyphen, an apostrophe).
_GAP = "[^0-9A-Za-zÀ-ÖØ-öø-ÿ]*"


def _name_regex(name: str) -> str:
    """A regular expression matching, in SQL, the names that normalise like `name`: case,
    accents, spaces and punctuation ignored (the same rule as graph.normalise_name, save for
    ligatures). Written for both SQLite's Python `re` and PostgreSQL's regular expressions."""
    classes = [
        f"[{_ACCENTED[char]}]" if char in _ACCENTED else re.escape(char)
        for char in normalise_name(name)
    ]
    return f"^{_GAP}{_GAP.join(classes)}{_GAP}$"


@dataclass
class Network:
    graph: Graph
    # Public structures of the scope, and how many of them have at least one link.
    structures_in_scope: int = 0
    structures_linked: int = 0


def structure_network(*, structure: Structure, depth: int = 1, max_nodes: int = MAX_NODES):
    """The ego network of a public structure: the partners it names and the structures that
    name it (depth 1), then the same for those neighbours (depth 2), including the other
    structures that name one of its partners. One query at depth 1, two at depth 2.
    """
    reader = _Reader()
    center = reader.info(structure)
    first_rows = list(_rows(Q(structure=structure) | Q(partner_structure=structure)))
    links = [reader.link(row, ring=0) for row in first_rows]
    if depth >= 2 and links:
        neighbours = {
            info.pk
            for link in links
            for info in (link.structure, link.partner_structure)
            if info is not None and info.pk != structure.pk
        }
        condition = Q(structure_id__in=neighbours) | Q(partner_structure_id__in=neighbours)
        for link in list(links):
            if link.partner_structure is None:
                kind = Q(kind__slug=link.kind.slug) if link.kind else Q(kind__isnull=True)
                condition |= Q(name__iregex=_name_regex(link.partner_name)) & kind
        seen = {row["pk"] for row in first_rows}
        links += [reader.link(row, ring=1) for row in _rows(condition) if row["pk"] not in seen]
    graph = build_graph(
        links,
        seeds=[center],
        max_nodes=max_nodes,
        unknown_kind_label=_("type non précisé"),
        unknown_kind_color=UNKNOWN_KIND_COLOR,
    )
    return Network(graph=graph, structures_in_scope=1, structures_linked=int(bool(first_rows)))


def scope_network(*, scope: Scope, max_nodes: int = MAX_NODES) -> Network:
    """The network of a theme and/or a territory: the public structures of the scope, the
    partners they name, and the structures that name them. Three queries."""
    reader = _Reader()
    in_scope = Structure.objects.filter(status__in=PUBLIC_STATUSES, **scope.structure_filter())
    ids = in_scope.values("pk")
    links = [
        reader.link(row, ring=0)
        for row in _rows(Q(structure__in=ids) | Q(partner_structure__in=ids))
    ]
    graph = build_graph(
        links,
        max_nodes=max_nodes,
        unknown_kind_label=_("type non précisé"),
        unknown_kind_color=UNKNOWN_KIND_COLOR,
    )
    linked = in_scope.filter(
        Q(partners__isnull=False) | Q(partner_of__structure__status__in=PUBLIC_STATUSES)
    ).distinct()
    return Network(
        graph=graph, structures_in_scope=in_scope.count(), structures_linked=linked.count()
    )


def public_structure_get(*, key: str) -> Structure:
    """The public structure whose slug (or, failing that, stable uid) is `key`, with its
    main type; Structure.DoesNotExist otherwise (pending structures included)."""
    candidates = list(
        Structure.objects.filter(status__in=PUBLIC_STATUSES)
        .filter(Q(slug=key) | Q(uid=key))
        .select_related("main_type")[:2]
    )
    if not candidates:
        raise Structure.DoesNotExist(key)
    return next((s for s in candidates if s.slug == key), candidates[0])
