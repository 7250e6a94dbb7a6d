"""The graph builder, on plain rows: no database."""

from maillage.network.graph import (
    PARTNER,
    STRUCTURE,
    KindInfo,
    PartnerLink,
    StructureInfo,
    build_graph,
    normalise_name,
)

CITY = KindInfo("collectivites", "Collectivités", "#74c0fc")
COMPANY = KindInfo("grandes-entreprises", "Grandes entreprises", "#faa2c1")


def structure(slug: str, name: str | None = None) -> StructureInfo:
    return StructureInfo(
        pk=hash(slug) % 10_000,
        slug=slug,
        name=name or slug.title(),
        type_slug="fablab",
        type_label="Fablab",
        type_color="#e67700",
        url=f"/structures/{slug}/",
    )


A, B, C = structure("a", "Atelier A"), structure("b", "Bureau B"), structure("c", "Club C")


def test_names_are_compared_without_case_accents_spaces_or_punctuation():
    assert normalise_name("Région Pays de la Loire") == normalise_name("REGION  pays-de-la-loire")
    assert normalise_name("Œuvre d'Art") == normalise_name("oeuvre dart")
    assert normalise_name("Ville de Nantes") != normalise_name("Ville de Rennes")


def test_one_partner_named_by_two_structures_is_one_node_with_two_edges():
    graph = build_graph(
        [
            PartnerLink(A, "Ville de Nantes", CITY),
            PartnerLink(B, "VILLE DE  NANTES", CITY),
            PartnerLink(B, "Ville-de-Nantes", CITY),  # the same partner named twice by B
        ]
    )
    partners = [node for node in graph.nodes if node.kind == PARTNER]
    assert len(partners) == 1
    assert partners[0].type == "collectivites" and partners[0].url is None
    assert {(edge.source, edge.target) for edge in graph.edges} == {
        ("s:a", partners[0].id),
        ("s:b", partners[0].id),
    }


def test_the_same_name_with_another_kind_is_another_node():
    graph = build_graph(
        [PartnerLink(A, "Ville de Nantes", CITY), PartnerLink(B, "Ville de Nantes", COMPANY)]
    )
    partners = [node for node in graph.nodes if node.kind == PARTNER]
    assert sorted(node.type for node in partners) == ["collectivites", "grandes-entreprises"]


def test_the_most_frequent_spelling_names_the_partner():
    graph = build_graph(
        [
            PartnerLink(A, "VILLE DE NANTES", CITY),
            PartnerLink(B, "Ville de Nantes", CITY),
            PartnerLink(C, "Ville de Nantes", CITY),
        ]
    )
    assert [node.label for node in graph.nodes if node.kind == PARTNER] == ["Ville de Nantes"]


def test_a_partner_that_is_a_structure_is_that_structures_node():
    graph = build_graph(
        [
            PartnerLink(A, "Le Bureau", CITY, partner_structure=B),
            # B names A back: still one link between them.
            PartnerLink(B, "Atelier A", partner_structure=A),
        ]
    )
    assert [(node.id, node.kind, node.url) for node in graph.nodes] == [
        ("s:a", STRUCTURE, "/structures/a/"),
        ("s:b", STRUCTURE, "/structures/b/"),
    ]
    assert len(graph.edges) == 1
    assert graph.node("s:b").label == "Bureau B"  # the structure's name, not the one typed


def test_a_structure_naming_itself_draws_nothing():
    graph = build_graph([PartnerLink(A, "Atelier A", partner_structure=A)], seeds=[A])
    assert graph.is_empty
    assert [node.id for node in graph.nodes] == ["s:a"]


def test_the_cap_keeps_the_seed_then_the_nearest_then_the_best_connected():
    links = [PartnerLink(A, f"Partenaire {n:02d}", CITY) for n in range(10)]
    # B names partner 09 too (ring 0), and five far partners (ring 1): B has six links,
    # partner 09 two, the other partners of A one each.
    links.append(PartnerLink(B, "Partenaire 09", CITY, ring=0))
    links += [PartnerLink(B, f"Lointain {n}", CITY, ring=1) for n in range(5)]
    graph = build_graph(links, seeds=[C, A], max_nodes=5)
    labels = [node.label for node in graph.nodes]
    # The seeds (C alone, kept anyway), then each time the best node linked to those kept
    # (nearest ring, most links, name): partner 09 (two links) before partner 00, then B
    # (six links) now that partner 09 joins it to the kept nodes.
    assert labels == ["Club C", "Atelier A", "Partenaire 09", "Bureau B", "Partenaire 00"]
    assert graph.truncated and graph.total_nodes == 1 + 1 + 1 + 10 + 5
    shown = {node.id for node in graph.nodes}
    assert all(edge.source in shown and edge.target in shown for edge in graph.edges)


def test_an_uncapped_graph_says_so():
    graph = build_graph([PartnerLink(A, "Ville de Nantes", CITY)])
    assert not graph.truncated
    assert (graph.total_nodes, graph.total_edges) == (2, 1)


def test_rows_and_legend_read_in_alphabetical_order():
    graph = build_graph(
        [
            PartnerLink(B, "Zèbre", COMPANY),
            PartnerLink(A, "Écluse", CITY),
            PartnerLink(A, "Ville", CITY),
        ]
    )
    assert [(s.label, p.label) for s, p, _ in graph.rows()] == [
        ("Atelier A", "Écluse"),
        ("Atelier A", "Ville"),
        ("Bureau B", "Zèbre"),
    ]
    types, kinds = graph.legend()
    assert [label for _, label, _ in types] == ["Fablab"]
    assert [label for _, label, _ in kinds] == ["Collectivités", "Grandes entreprises"]


def test_the_cap_keeps_nodes_that_still_have_links():
    """Popular partners have the most links, but they are kept with structures naming them:
    no node is left alone by the cut."""
    structures = [structure(f"s{n:02d}", f"Structure {n:02d}") for n in range(30)]
    links = [
        PartnerLink(s, f"Populaire {(n + k) % 5}", CITY)
        for n, s in enumerate(structures)
        for k in range(3)
    ]
    links += [PartnerLink(s, f"Propre {n}", COMPANY) for n, s in enumerate(structures)]
    graph = build_graph(links, max_nodes=10)
    assert len(graph.nodes) == 10 and graph.truncated
    linked = {node_id for edge in graph.edges for node_id in (edge.source, edge.target)}
    assert linked == {node.id for node in graph.nodes}
    assert len(graph.edges) >= 9  # connected: at least one link per node added
