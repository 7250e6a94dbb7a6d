"""Reading a network from the database: visibility, depth, scopes and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.network.scopes import scope_parse
from maillage.network.selectors import public_structure_get, scope_network, structure_network
from maillage.structures.models import NamedPartner
from tests.network.builders import build_network
from tests.web.builders import make_structure


def labels(graph) -> set[str]:
    return {node.label for node in graph.nodes}


def links(graph) -> set[tuple[str, str]]:
    by_id = {node.id: node.label for node in graph.nodes}
    return {(by_id[edge.source], by_id[edge.target]) for edge in graph.edges}


def test_ego_network_at_depth_one(network):
    graph = structure_network(structure=network["atelier"]).graph
    assert labels(graph) == {
        "Atelier Nord",
        "Ville de Nantes",
        "Région Pays de la Loire",
        "Pôle Sud",
        "Jeune Pousse",
        "Ancien lieu",  # closed, but public: it names Atelier Nord
        "Projet caché",  # a pending structure: only the name its partner typed
    }
    # Pôle Sud and Atelier Nord name each other: one edge.
    assert len(graph.edges) == 6
    pending = next(node for node in graph.nodes if node.label == "Projet caché")
    assert pending.kind == "partner" and pending.url is None
    pole = next(node for node in graph.nodes if node.label == "Pôle Sud")
    assert pole.kind == "structure" and pole.url == "/structures/pole-sud/"
    assert next(node for node in graph.nodes if node.label == "Ancien lieu").closed


def test_depth_two_adds_the_partners_of_neighbours_and_who_shares_a_partner(network):
    graph = structure_network(structure=network["atelier"], depth=2).graph
    added = labels(graph) - labels(structure_network(structure=network["atelier"]).graph)
    # Université de Rennes through Pôle Sud; Lab Est names Ville de Nantes (in capitals);
    # Lab Est's own other partners are a third ring away, not shown.
    assert added == {"Université de Rennes", "Lab Est"}
    assert ("Lab Est", "Ville de Nantes") in links(graph)


def test_a_pending_structure_and_its_partners_never_show(network):
    graph = structure_network(structure=network["atelier"], depth=2).graph
    assert not any(node.url == "/structures/projet-cache/" for node in graph.nodes)
    city = next(node for node in graph.nodes if node.label == "Ville de Nantes")
    assert {edge.source for edge in graph.edges if edge.target == city.id} == {
        "s:atelier-nord",
        "s:lab-est",
    }


def test_a_structure_without_partners_has_an_empty_network(network):
    result = structure_network(structure=network["alone"], depth=2)
    assert result.graph.is_empty
    assert [node.label for node in result.graph.nodes] == ["Hangar isolé"]


def test_theme_scope(network):
    result = scope_network(scope=scope_parse({"theme": "sante"}))
    assert links(result.graph) == {
        ("Lab Est", "VILLE DE NANTES"),  # spaces collapsed
        ("Lab Est", "ville de nantes"),
        ("Lab Est", "Region Pays-de-la-Loire"),
    }
    assert (result.structures_in_scope, result.structures_linked) == (1, 1)


def test_territory_scopes(network):
    department = scope_network(scope=scope_parse({"department": "35"}))
    # Pôle Sud's partners, and Atelier Nord (outside) which names it; Hangar isolé counts
    # in the scope but has no link.
    assert labels(department.graph) == {"Pôle Sud", "Université de Rennes", "Atelier Nord"}
    assert (department.structures_in_scope, department.structures_linked) == (2, 1)
    region = scope_network(scope=scope_parse({"region": "52"}))
    assert {"Atelier Nord", "Lab Est", "Ancien lieu", "Pôle Sud"} <= labels(region.graph)
    assert "Université de Rennes" not in labels(region.graph)
    # Lab Est's « VILLE DE  NANTES » and Atelier Nord's « Ville de Nantes » are one node.
    assert len([node for node in region.graph.nodes if node.type == "collectivites"]) == 2
    commune = scope_network(scope=scope_parse({"commune": "35238"}))
    assert labels(commune.graph) == labels(department.graph)
    epci = scope_network(scope=scope_parse({"epci": "244400404"}))
    assert labels(epci.graph) == labels(region.graph)


def test_theme_and_territory_together(network):
    result = scope_network(scope=scope_parse({"theme": "mobilite", "department": "44"}))
    # Atelier Nord's partners, and the structures that name it (Pôle Sud's link is the
    # same as Atelier Nord's link to Pôle Sud).
    assert {source for source, _ in links(result.graph)} == {"Atelier Nord", "Ancien lieu"}
    assert "Pôle Sud" in labels(result.graph)
    assert result.structures_in_scope == 1


def test_the_cap_is_applied_and_reported(network):
    result = structure_network(structure=network["atelier"], max_nodes=3)
    assert len(result.graph.nodes) == 3 and result.graph.truncated
    assert result.graph.nodes[0].label == "Atelier Nord"


def get(slug):
    return public_structure_get(key=slug)


def _grow(vocabularies, network, count):
    actors = vocabularies["actor"]
    for n in range(count):
        extra = make_structure(
            name=f"Structure ajoutée {n}",
            main_type=vocabularies["type"]["fablab"],
            commune=network["atelier"].commune,
            themes=[vocabularies["theme"]["mobilite"]],
        )
        NamedPartner.objects.create(structure=extra, name="Ville de Nantes", kind=actors["pme"])
        NamedPartner.objects.create(
            structure=extra, name="Atelier Nord", partner_structure=network["atelier"]
        )
        NamedPartner.objects.create(structure=network["atelier"], name=f"Partenaire {n}")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # The structure's lookup, then its links (and its neighbours' at depth 2).
        (lambda n: structure_network(structure=get("atelier-nord")), 2),
        (lambda n: structure_network(structure=get("atelier-nord"), depth=2), 3),
        (lambda n: scope_network(scope=scope_parse({"theme": "mobilite"})), 4),
        (lambda n: scope_network(scope=scope_parse({"region": "52"})), 4),
    ],
    ids=["depth 1", "depth 2", "theme", "region"],
)
def test_query_count_does_not_grow_with_the_data(vocabularies, call, expected):
    network = build_network(vocabularies)
    counts = []
    for added in (0, 15):
        _grow(vocabularies, network, added)
        with CaptureQueriesContext(connection) as queries:
            call(network)
        counts.append(len(queries))
    assert counts == [expected, expected]
