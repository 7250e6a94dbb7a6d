"""The network pages: /reseau/ and /reseau/structure/<slug>/, and the structure page's link."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.structures.models import NamedPartner
from tests.web.builders import make_structure


def structure_url(slug, **query):
    url = reverse("network:structure", args=[slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def table_rows(response) -> list[tuple[str, str, str]]:
    """(structure, partner, kind) of each row of the list, as a screen reader reads it."""
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append(tuple(" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in cells))
    return rows


def graph_data(response) -> dict:
    html = response.content.decode()
    match = re.search(r'<script id="network-data" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def test_structure_network_lists_every_link_without_javascript(client, network):
    response = client.get(structure_url("atelier-nord"))
    assert response.status_code == 200
    assert table_rows(response) == [
        ("Ancien lieu (fermée)", "Atelier Nord", "type non précisé"),
        ("Atelier Nord", "Jeune Pousse", "Start-up"),
        ("Atelier Nord", "Pôle Sud", "Recherche et universités"),
        ("Atelier Nord", "Projet caché", "type non précisé"),
        ("Atelier Nord", "Région Pays de la Loire", "Collectivités territoriales"),
        ("Atelier Nord", "Ville de Nantes", "Collectivités territoriales"),
    ]
    # Structures are links to their pages; the pending one is only a name.
    assertContains(response, '<a href="/structures/pole-sud/" data-node="s:pole-sud">Pôle Sud</a>')
    assertNotContains(response, "/structures/projet-cache/")
    # The graph figure waits for its script (hidden without JavaScript), its data beside it.
    assertContains(response, 'data-network-graph data-network-centre="s:atelier-nord" hidden')
    data = graph_data(response)
    assert {node["label"] for node in data["nodes"]} == {
        name.removesuffix(" (fermée)") for row in table_rows(response) for name in row[:2]
    }
    assertContains(response, "7 acteurs")
    assertContains(response, "6 liens de partenariat")
    assertNotContains(response, "Réseau réduit")


def test_legend_names_structure_types_and_partner_kinds(client, network):
    response = client.get(structure_url("atelier-nord"))
    assertContains(response, 'data-legend-type="fablab"')
    assertContains(response, 'data-legend-type="pole-competitivite"')
    assertContains(response, 'data-legend-kind="collectivites"')
    assertContains(response, 'style="--mark-color: #e67700"')  # the fablab type colour


def test_depth_two(client, network):
    response = client.get(structure_url("atelier-nord", depth=2))
    assert response.status_code == 200
    assert ("Pôle Sud", "Université de Rennes", "Recherche et universités") in table_rows(response)
    assertContains(response, 'aria-current="page">Et les partenaires de ses partenaires')


def test_bad_depth_says_what_to_fix_and_shows_depth_one(client, network):
    response = client.get(structure_url("atelier-nord", depth="7"))
    assert response.status_code == 400
    assertContains(response, "« 7 » ne convient pas pour la profondeur", status_code=400)
    assert len(table_rows(response)) == 6


def test_empty_network_says_so(client, network):
    response = client.get(structure_url("hangar-isole"))
    assert response.status_code == 200
    assertContains(response, "Aucun lien de partenariat connu")
    assertContains(response, "Hangar isolé ne nomme encore aucun partenaire")
    assertNotContains(response, "data-network-graph")
    assertNotContains(response, "network-data")


@pytest.mark.parametrize("slug", ["inconnue", "projet-cache"])
def test_unknown_or_pending_structure_is_404(client, network, slug):
    assert client.get(structure_url(slug)).status_code == 404


def test_stable_uid_redirects_to_the_slug(client, network):
    response = client.get(structure_url(network["atelier"].uid))
    assert response.status_code == 301
    assert response["Location"] == structure_url("atelier-nord")


def test_structure_page_links_to_its_network(client, network):
    response = client.get(reverse("web:structure_detail", args=["atelier-nord"]))
    assertContains(response, f'<a class="button" href="{structure_url("atelier-nord")}">')
    assertContains(response, "Voir son réseau")


def test_scope_page_without_scope_invites_a_choice(client, network):
    response = client.get(reverse("network:scope"))
    assert response.status_code == 200
    assertContains(response, "Choisissez une thématique ou un territoire")
    assertContains(response, '<option value="mobilite">Mobilité</option>', html=True)
    assertContains(response, '<option value="53">Bretagne</option>', html=True)


def test_scope_page_for_a_territory(client, network):
    response = client.get(reverse("network:scope") + "?department=35")
    assert response.status_code == 200
    assertContains(response, "Réseau : Ille-et-Vilaine (35)")
    assertContains(response, "1 structure sur 2 de ce périmètre a au moins un lien")
    assert table_rows(response) == [
        ("Atelier Nord", "Pôle Sud", "Recherche et universités"),
        ("Pôle Sud", "Université de Rennes", "Recherche et universités"),
    ]
    assertContains(response, '<option value="35" selected>35 Ille-et-Vilaine</option>', html=True)


def test_scope_page_for_a_theme_and_a_region(client, network):
    response = client.get(reverse("network:scope") + "?theme=sante&region=52")
    assert response.status_code == 200
    assertContains(response, "Réseau : Santé · Pays de la Loire")
    assert {row[0] for row in table_rows(response)} == {"Lab Est"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=abc", "« abc » ne convient pas pour « region » : indiquez un code INSEE"),
        ("epci=12", "« 12 » ne convient pas pour « epci » : indiquez un SIREN"),
        ("theme=Mobilité!", "« Mobilité! » ne convient pas pour « theme »"),
        ("region=52&department=44", "Choisissez un seul territoire"),
    ],
)
def test_malformed_scope_is_400_with_a_message(client, network, query, message):
    response = client.get(reverse("network:scope") + "?" + query)
    assertContains(response, message, status_code=400)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=98", "Aucun territoire « region » n&#x27;a le code « 98 »."),
        ("theme=astronomie", "Aucune thématique n&#x27;a l&#x27;identifiant « astronomie »."),
    ],
)
def test_unknown_scope_is_404_with_a_message(client, network, query, message):
    response = client.get(reverse("network:scope") + "?" + query)
    assertContains(response, message, status_code=404)


def test_a_scope_without_links_says_so(client, network, vocabularies):
    response = client.get(reverse("network:scope") + "?theme=tourisme")
    assert response.status_code == 200
    assertContains(response, "Aucun lien de partenariat connu")


def test_a_capped_network_says_so(client, network, settings, monkeypatch):
    monkeypatch.setattr("maillage.network.selectors.MAX_NODES", 3)
    monkeypatch.setattr("maillage.network.views.scope_network.__kwdefaults__", {"max_nodes": 3})
    response = client.get(reverse("network:scope") + "?region=52")
    assertContains(response, "Réseau réduit")
    assert len(graph_data(response)["nodes"]) == 3


def _grow(vocabularies, network, count):
    for n in range(count):
        extra = make_structure(
            name=f"Structure ajoutée {n}",
            main_type=vocabularies["type"]["fablab"],
            commune=network["atelier"].commune,
            themes=[vocabularies["theme"]["mobilite"]],
        )
        NamedPartner.objects.create(
            structure=extra, name="Ville de Nantes", kind=vocabularies["actor"]["pme"]
        )
        NamedPartner.objects.create(
            structure=extra, name="Atelier Nord", partner_structure=network["atelier"]
        )


# Queries per page, whatever the amount of data (session and auth queries excluded: the
# test client is anonymous).
# The scope page: the scope's lookup, the links, two counts, and the form's three lists.
# Each starts with the data version, read by the page cache (maillage.web.page_cache).
PINNED = {"structure": 3, "structure, depth 2": 4, "theme": 8, "territory": 8}


def test_page_query_counts_are_pinned(client, network, vocabularies):
    urls = {
        "structure": structure_url("atelier-nord"),
        "structure, depth 2": structure_url("atelier-nord", depth=2),
        "theme": reverse("network:scope") + "?theme=mobilite",
        "territory": reverse("network:scope") + "?region=52",
    }
    for added in (0, 10):
        _grow(vocabularies, network, added)
        counts = {}
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[name] = len(queries)
        assert counts == PINNED, f"with {added} more structures"


def test_territory_page_links_to_its_network(client, network):
    response = client.get(reverse("insights:territory", args=["departement", "35"]))
    assertContains(response, '<a href="/reseau/?department=35">')
    # ...and that link answers with the department's network.
    assert client.get("/reseau/?department=35").status_code == 200


def test_pages_link_to_the_json_and_gexf_downloads(client, network):
    response = client.get(structure_url("atelier-nord", depth=2))
    assertContains(response, 'href="/api/v1/network/structures/atelier-nord?depth=2"')
    assertContains(response, 'href="/api/v1/network/structures/atelier-nord/gexf?depth=2"')
    response = client.get(reverse("network:scope") + "?theme=mobilite")
    assertContains(response, 'href="/api/v1/network/gexf?theme=mobilite"')
