"""The partnership graph, built from plain rows: no database access here.

Nodes are structures of the atlas and the partners they name; edges are the partnerships.
Two partners with the same kind and the same name once case, accents, spaces and punctuation
are ignored are one node; a partner linked to a public structure of the atlas is that
structure's node. The graph is capped: the nodes that matter most for the scope are kept
(the scope's own structure first, then, along links, the nearest rings and the best connected).
"""

from __future__ import annotations

import functools
import heapq
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MAX_NODES = 150
STRUCTURE = "structure"
PARTNER = "partner"


@dataclass(frozen=True)
class StructureInfo:
    """What the graph shows of a public structure."""

    pk: int
    slug: str
    name: str
    type_slug: str
    type_label: str
    type_color: str
    url: str
    closed: bool = False


@dataclass(frozen=True)
class KindInfo:
    """A partner kind (an actor Term)."""

    slug: str
    label: str
    color: str


@dataclass(frozen=True)
class PartnerLink:
    """One named partner of a structure, as stored. `partner_structure` is set only when the
    partner is a structure a visitor may see; `ring` is how far from the scope the link lies
    (0: the scope's own links, 1: the next ring), used to keep the nearest nodes when capped."""

    structure: StructureInfo
    partner_name: str
    kind: KindInfo | None = None
    partner_structure: StructureInfo | None = None
    ring: int = 0


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str  # STRUCTURE or PARTNER
    type: str  # structure type slug, or partner kind slug ("" when unknown)
    type_label: str
    color: str
    url: str | None = None
    closed: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # the partner kind slug named on the link ("" when unknown)
    kind_label: str = ""


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # Size before the cap: when larger than the lists above, the graph was cut.
    total_nodes: int = 0
    total_edges: int = 0

    @property
    def truncated(self) -> bool:
        return self.total_nodes > len(self.nodes)

    @property
    def is_empty(self) -> bool:
        return not self.edges

    def as_dict(self) -> dict:
        """The graph as the API and the page's script read it."""
        return {
            "nodes": [dict(node.__dict__) for node in self.nodes],
            "edges": [dict(edge.__dict__) for edge in self.edges],
            "truncated": self.truncated,
            "total_nodes": self.total_nodes,
            "total_edges": self.total_edges,
        }

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)

    def rows(self) -> list[tuple[Node, Node, Edge]]:
        """(structure, partner, edge) for each link, sorted for a readable list."""
        by_id = {node.id: node for node in self.nodes}
        rows = [(by_id[edge.source], by_id[edge.target], edge) for edge in self.edges]
        return sorted(rows, key=lambda row: (sort_key(row[0].label), sort_key(row[1].label)))

    def legend(self) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        """(slug, label, colour) of the structure types, then of the partner kinds, shown."""
        types: dict[str, tuple[str, str, str]] = {}
        kinds: dict[str, tuple[str, str, str]] = {}
        for node in self.nodes:
            target = types if node.kind == STRUCTURE else kinds
            target.setdefault(node.type, (node.type, node.type_label, node.color))
        return (
            sorted(types.values(), key=lambda item: sort_key(item[1])),
            sorted(kinds.values(), key=lambda item: sort_key(item[1])),
        )


@functools.lru_cache(maxsize=65_536)
def normalise_name(name: str) -> str:
    """The name with case, accents, spaces and punctuation ignored: 'Ville de Nantes',
    'ville-de-nantes' and 'VILLE DE  NANTES' give the same key."""
    text = name.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed.casefold() if char.isalnum())


@functools.lru_cache(maxsize=65_536)
def sort_key(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def structure_node_id(slug: str) -> str:
    return f"s:{slug}"


def _structure_node(info: StructureInfo) -> Node:
    return Node(
        id=structure_node_id(info.slug),
        label=info.name,
        kind=STRUCTURE,
        type=info.type_slug,
        type_label=info.type_label,
        color=info.type_color,
        url=info.url,
        closed=info.closed,
    )


def build_graph(
    links: Iterable[PartnerLink],
    *,
    seeds: Sequence[StructureInfo] = (),
    max_nodes: int = MAX_NODES,
    unknown_kind_label: str = "",
    unknown_kind_color: str = "#868e96",
) -> Graph:
    """The graph of these links, cut to at most `max_nodes` nodes.

    `seeds` are kept first, whatever their links (the structure whose network is shown).
    The graph then grows along links: each time, the best node linked to those kept (by the
    nearest ring it appears in, then degree, then label), or when none is left the best node
    of another component; the edges of the nodes left out are left out too. Self-links are
    ignored, and a pair of nodes gets one edge however many times (and in whichever
    direction) it is named.
    """
    nodes: dict[str, Node] = {}
    # Per partner node, per spelling: [times named, nearest ring, order first seen].
    spellings: dict[str, dict[str, list[int]]] = defaultdict(dict)
    ring: dict[str, int] = {}
    edges: dict[frozenset[str], Edge] = {}

    def keep_ring(node_id: str, value: int) -> None:
        ring[node_id] = min(value, ring.get(node_id, value))

    for position, link in enumerate(links):
        source = nodes.get(structure_node_id(link.structure.slug))
        if source is None:
            source = nodes.setdefault(
                structure_node_id(link.structure.slug), _structure_node(link.structure)
            )
        kind_slug = link.kind.slug if link.kind else ""
        kind_label = link.kind.label if link.kind else unknown_kind_label
        if link.partner_structure is not None:
            target = nodes.get(structure_node_id(link.partner_structure.slug))
            if target is None:
                target = _structure_node(link.partner_structure)
                nodes[target.id] = target
        else:
            key = normalise_name(link.partner_name)
            if not key:
                continue
            node_id = f"p:{kind_slug or '-'}:{key}"
            target = nodes.get(node_id)
            if target is None:
                target = nodes[node_id] = Node(
                    id=node_id,
                    label=link.partner_name.strip(),
                    kind=PARTNER,
                    type=kind_slug,
                    type_label=kind_label,
                    color=(link.kind.color if link.kind else "") or unknown_kind_color,
                )
            spelling = " ".join(link.partner_name.split())
            seen = spellings[target.id].setdefault(spelling, [0, link.ring, position])
            seen[0] += 1
            seen[1] = min(seen[1], link.ring)
        if target.id == source.id:
            continue
        keep_ring(source.id, link.ring)
        keep_ring(target.id, link.ring)
        edges.setdefault(
            frozenset((source.id, target.id)),
            Edge(source=source.id, target=target.id, kind=kind_slug, kind_label=kind_label),
        )

    # The most frequent spelling names a partner's node; among ties, the one nearest to the
    # scope, then the first one read.
    for node_id, counts in spellings.items():
        label = min(counts, key=lambda text: (-counts[text][0], counts[text][1], counts[text][2]))
        nodes[node_id] = Node(**{**nodes[node_id].__dict__, "label": label})

    degree: Counter[str] = Counter()
    neighbours: dict[str, list[str]] = defaultdict(list)
    for pair in edges:
        degree.update(pair)
        first, second = tuple(pair)
        neighbours[first].append(second)
        neighbours[second].append(first)
    linked = [node_id for node_id in nodes if degree[node_id]]
    seed_ids = list(dict.fromkeys(structure_node_id(seed.slug) for seed in seeds))
    for seed in seeds:
        nodes.setdefault(structure_node_id(seed.slug), _structure_node(seed))
    shown = _keep(
        seed_ids,
        linked,
        neighbours,
        rank=lambda node_id: (ring[node_id], -degree[node_id], sort_key(nodes[node_id].label)),
        max_nodes=max_nodes,
    )
    kept = set(shown)
    kept_edges = [edge for pair, edge in edges.items() if pair <= kept]
    return Graph(
        nodes=[nodes[node_id] for node_id in shown],
        edges=sorted(kept_edges, key=lambda edge: (edge.source, edge.target)),
        total_nodes=len(set(linked) | set(seed_ids)),
        total_edges=len(edges),
    )


def _keep(seed_ids, linked, neighbours, *, rank, max_nodes: int) -> list[str]:
    """The nodes to show, in order: the seeds, then, one at a time, the best ranked node
    linked to those already kept; when none is left, the best ranked of another component.
    So every node shown but a lone seed keeps at least one of its links."""
    order = sorted(linked, key=rank)
    kept: list[str] = []
    kept_set: set[str] = set()
    frontier: list[tuple] = []
    position = 0

    def add(node_id: str) -> None:
        kept.append(node_id)
        kept_set.add(node_id)
        for other in neighbours.get(node_id, ()):
            if other not in kept_set:
                heapq.heappush(frontier, (rank(other), other))

    for seed in seed_ids[:max_nodes]:
        add(seed)
    while len(kept) < max_nodes:
        while frontier and frontier[0][1] in kept_set:
            heapq.heappop(frontier)
        if frontier:
            add(heapq.heappop(frontier)[1])
            continue
        while position < len(order) and order[position] in kept_set:
            position += 1
        if position == len(order):
            break
        add(order[position])
    return kept
