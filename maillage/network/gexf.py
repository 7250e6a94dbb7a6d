"""The graph as GEXF 1.3, the format Gephi opens (https://gexf.net)."""

from __future__ import annotations

import datetime
from xml.etree import ElementTree as ET

from maillage.network.graph import Graph

NAMESPACE = "http://gexf.net/1.3"
VIZ = "http://gexf.net/1.3/viz"
NODE_ATTRIBUTES = ("kind", "type", "type_label", "url", "closed")


def _rgb(color: str) -> dict[str, str]:
    value = color.lstrip("#")
    if len(value) != 6:
        value = "868e96"
    return {
        "r": str(int(value[0:2], 16)),
        "g": str(int(value[2:4], 16)),
        "b": str(int(value[4:6], 16)),
    }


def graph_gexf(graph: Graph, *, description: str, base_url: str = "") -> bytes:
    """The graph as a GEXF document (UTF-8 bytes); node URLs are made absolute with base_url."""
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("viz", VIZ)
    root = ET.Element(f"{{{NAMESPACE}}}gexf", {"version": "1.3"})
    meta = ET.SubElement(
        root, f"{{{NAMESPACE}}}meta", {"lastmodifieddate": datetime.date.today().isoformat()}
    )
    ET.SubElement(meta, f"{{{NAMESPACE}}}creator").text = "Maillage"
    ET.SubElement(meta, f"{{{NAMESPACE}}}description").text = description
    body = ET.SubElement(
        root, f"{{{NAMESPACE}}}graph", {"defaultedgetype": "undirected", "mode": "static"}
    )
    attributes = ET.SubElement(body, f"{{{NAMESPACE}}}attributes", {"class": "node"})
    for index, name in enumerate(NODE_ATTRIBUTES):
        kind = "boolean" if name == "closed" else "anyURI" if name == "url" else "string"
        ET.SubElement(
            attributes, f"{{{NAMESPACE}}}attribute", {"id": str(index), "title": name, "type": kind}
        )
    nodes = ET.SubElement(body, f"{{{NAMESPACE}}}nodes")
    for node in graph.nodes:
        element = ET.SubElement(nodes, f"{{{NAMESPACE}}}node", {"id": node.id, "label": node.label})
        values = ET.SubElement(element, f"{{{NAMESPACE}}}attvalues")
        for index, name in enumerate(NODE_ATTRIBUTES):
            value = getattr(node, name)
            if name == "url":
                if not value:
                    continue
                value = base_url + value
            text = ("true" if value else "false") if name == "closed" else str(value)
            ET.SubElement(values, f"{{{NAMESPACE}}}attvalue", {"for": str(index), "value": text})
        ET.SubElement(element, f"{{{VIZ}}}color", _rgb(node.color))
    edges = ET.SubElement(body, f"{{{NAMESPACE}}}edges")
    for index, edge in enumerate(graph.edges):
        ET.SubElement(
            edges,
            f"{{{NAMESPACE}}}edge",
            {
                "id": str(index),
                "source": edge.source,
                "target": edge.target,
                "label": edge.kind_label,
            },
        )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
