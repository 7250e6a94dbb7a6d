"""/api/v1/network: JSON shape, consistency, errors, and the OpenAPI document."""

import json

import pytest


def check_graph(payload: dict) -> None:
    """Every edge joins two nodes of the payload, node ids are unique."""
    ids = [node["id"] for node in payload["nodes"]]
    assert len(ids) == len(set(ids))
    for edge in payload["edges"]:
        assert edge["source"] in ids and edge["target"] in ids, edge
    for node in payload["nodes"]:
        assert set(node) == {"id", "label", "kind", "type", "type_label", "color", "url", "closed"}
        assert node["kind"] in ("structure", "partner")
        assert (node["url"] is not None) == (node["kind"] == "structure")


def test_structure_network(client, network):
    response = client.get("/api/v1/network/structures/atelier-nord")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    check_graph(payload)
    assert payload["scope"] == {"structure": "atelier-nord", "depth": "1"}
    assert len(payload["nodes"]) == 7 and len(payload["edges"]) == 6
    assert payload["truncated"] is False
    assert payload["licence"] == "Licence Ouverte 2.0"
    pole = next(node for node in payload["nodes"] if node["id"] == "s:pole-sud")
    assert pole == {
        "id": "s:pole-sud",
        "label": "Pôle Sud",
        "kind": "structure",
        "type": "pole-competitivite",
        "type_label": "Pôle de compétitivité / cluster",
        "color": "#1864ab",
        "url": "/structures/pole-sud/",
        "closed": False,
    }


def test_structure_network_by_uid_and_depth_two(client, network):
    payload = client.get(f"/api/v1/network/structures/{network['atelier'].uid}?depth=2").json()
    check_graph(payload)
    assert "Université de Rennes" in {node["label"] for node in payload["nodes"]}


def test_scope_network_and_cap(client, network):
    payload = client.get("/api/v1/network?region=52").json()
    check_graph(payload)
    assert payload["scope"] == {"region": "52"}
    capped = client.get("/api/v1/network?region=52&max_nodes=3").json()
    check_graph(capped)
    assert len(capped["nodes"]) == 3 and capped["truncated"] is True
    assert capped["total_nodes"] == len(payload["nodes"])


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/api/v1/network/structures/inconnue", 404, "Aucune structure publiée"),
        ("/api/v1/network/structures/projet-cache", 404, "Aucune structure publiée"),
        ("/api/v1/network/structures/atelier-nord?depth=3", 422, "depth"),
        ("/api/v1/network", 422, "Indiquez une thématique"),
        ("/api/v1/network?region=abc", 422, "ne convient pas pour « region »"),
        ("/api/v1/network?region=98", 404, "Aucun territoire « region » n'a le code « 98 »"),
        ("/api/v1/network?theme=mobilite&max_nodes=0", 422, "max_nodes"),
    ],
)
def test_errors_say_what_to_fix(client, network, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    assert text in json.dumps(response.json(), ensure_ascii=False)


def test_openapi_documents_the_network_schema(client, db):
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/network" in document["paths"]
    assert "/api/v1/network/structures/{key}" in document["paths"]
    schema = document["components"]["schemas"]["NetworkOut"]
    assert {"nodes", "edges", "truncated"} <= set(schema["properties"])
    node = document["components"]["schemas"]["NodeOut"]
    assert {"id", "label", "kind", "type", "url"} <= set(node["properties"])
    parameters = {p["name"] for p in document["paths"]["/api/v1/network"]["get"]["parameters"]}
    assert parameters == {"theme", "region", "department", "epci", "commune", "max_nodes"}


GEXF = "{http://gexf.net/1.3}"


@pytest.mark.parametrize(
    ("gexf_url", "json_url"),
    [
        (
            "/api/v1/network/structures/atelier-nord/gexf?depth=2",
            "/api/v1/network/structures/atelier-nord?depth=2",
        ),
        ("/api/v1/network/gexf?region=52", "/api/v1/network?region=52"),
    ],
)
def test_gexf_holds_the_same_graph_as_json(client, network, gexf_url, json_url):
    from xml.etree import ElementTree as ET

    response = client.get(gexf_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/gexf+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{GEXF}gexf" and root.get("version") == "1.3"
    nodes = {node.get("id"): node for node in root.iter(f"{GEXF}node")}
    edges = [(edge.get("source"), edge.get("target")) for edge in root.iter(f"{GEXF}edge")]
    payload = client.get(json_url).json()
    assert {node["id"]: node["label"] for node in payload["nodes"]} == {
        node_id: node.get("label") for node_id, node in nodes.items()
    }
    assert edges == [(edge["source"], edge["target"]) for edge in payload["edges"]]
    assert all(source in nodes and target in nodes for source, target in edges)
    # Structure nodes carry their absolute page address.
    pole = nodes["s:pole-sud"]
    urls = [value.get("value") for value in pole.iter(f"{GEXF}attvalue") if value.get("for") == "3"]
    assert urls == ["http://testserver/structures/pole-sud/"]


def test_gexf_errors_are_the_json_errors(client, network):
    assert client.get("/api/v1/network/structures/inconnue/gexf").status_code == 404
    assert client.get("/api/v1/network/gexf?region=abc").status_code == 422
    assert client.get("/api/v1/network/gexf").status_code == 422
