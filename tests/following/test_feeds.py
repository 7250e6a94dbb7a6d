"""The Atom feeds under /flux/: valid against RFC 4287's schema, with the entries a reader
expects (published structures only, newest first, filtered, text escaped once)."""

import datetime as dt
import html

import pytest

from maillage.following.models import Sighting
from maillage.structures.models import ResilienceInitiative
from tests.following.conftest import ATOM, START, entry_titles, parse_feed

pytestmark = pytest.mark.django_db

PUBLISHED_NEWEST_FIRST = [
    "Garage solidaire de Rennes",
    "Café & Co <Lab> « Zoé »",
    "Lab santé de Rennes",
    "Atelier partagé de Nantes",
]


@pytest.mark.parametrize(
    "url",
    [
        "/flux/structures.atom",
        "/flux/initiatives.atom",
        "/flux/tout.atom",
        "/flux/structures.atom?region=52&theme=mobilite&type=fablab",
        "/flux/tout.atom?department=35,44&theme=sante",
        "/flux/initiatives.atom?commune=44109",
        "/flux/structures.atom?region=53&type=fablab&theme=sante",  # valid and empty
    ],
)
def test_every_feed_is_valid_atom(client, atlas, url):
    parse_feed(client.get(url))


def test_structures_feed_lists_published_structures_newest_first(client, atlas):
    root = parse_feed(client.get("/flux/structures.atom"))
    assert entry_titles(root) == PUBLISHED_NEWEST_FIRST
    first = root.find(f"{ATOM}entry")
    assert first.find(f"{ATOM}link").get("href") == "http://testserver" + (
        atlas["garage"].get_absolute_url()
    )
    assert first.findtext(f"{ATOM}updated").startswith("2026-03-05T")
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Recensement d'essai"
    assert first.findtext(f"{ATOM}id") == f"tag:maillage.test,2026:structure/{atlas['garage'].uid}"
    summary = html.unescape(first.findtext(f"{ATOM}summary"))
    assert "Fablab / makerspace · Rennes (35)" in summary
    assert "Thématiques : Mobilité" in summary
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["Mobilité"]


def test_filters_narrow_the_entries(client, atlas):
    def titles(query):
        return entry_titles(parse_feed(client.get(f"/flux/structures.atom?{query}")))

    assert titles("region=52") == ["Café & Co <Lab> « Zoé »", "Atelier partagé de Nantes"]
    assert titles("department=35") == ["Garage solidaire de Rennes", "Lab santé de Rennes"]
    assert titles("commune=35238&type=fablab") == ["Garage solidaire de Rennes"]
    assert titles("theme=sante") == ["Café & Co <Lab> « Zoé »", "Lab santé de Rennes"]
    # Values of one parameter add up; parameters narrow each other.
    assert titles("type=fablab&theme=mobilite,sante") == [
        "Garage solidaire de Rennes",
        "Atelier partagé de Nantes",
    ]
    assert titles("theme=mobilite&theme=sante&region=52&type=living-lab") == [
        "Café & Co <Lab> « Zoé »"
    ]
    # Territories add up with each other: a region and a commune elsewhere.
    assert titles("region=52&commune=35238&type=fablab") == [
        "Garage solidaire de Rennes",
        "Atelier partagé de Nantes",
    ]


def test_special_characters_are_escaped_once(client, atlas):
    root = parse_feed(client.get("/flux/structures.atom?theme=sante&region=52"))
    entry = root.find(f"{ATOM}entry")
    # Titles are text: the reader shows exactly the name.
    assert entry.find(f"{ATOM}title").get("type") in (None, "text")
    assert entry.findtext(f"{ATOM}title") == "Café & Co <Lab> « Zoé »"
    # The summary is HTML: the name's < and & arrive as entities, not as a tag.
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "&lt;Lab&gt;" not in summary.text  # no double escaping of the structure type…
    atelier = parse_feed(client.get("/flux/structures.atom?commune=44109&type=fablab"))
    text = atelier.find(f"{ATOM}entry/{ATOM}summary").text
    assert "Impression 3D &amp; découpe laser" in text
    assert html.unescape(text).split("<br>")[-1] == "Impression 3D & découpe laser"
    # …and the raw bytes are UTF-8 with XML escapes only where XML needs them.
    raw = client.get("/flux/structures.atom?theme=sante&region=52").content.decode("utf-8")
    assert "<title>Café &amp; Co &lt;Lab&gt; « Zoé »</title>" in raw


def test_feeds_hold_no_personal_data_and_no_unpublished_structure(client, atlas):
    content = client.get("/flux/tout.atom").content.decode("utf-8")
    for secret in ("Camille Secret", "camille.secret@exemple.org", "06 00 00 00 00"):
        assert secret not in content
    assert "Proposition en attente" not in content
    assert "Structure fermée" not in content


def test_self_link_keeps_the_filters_in_canonical_order(client, atlas):
    root = parse_feed(
        client.get("/flux/structures.atom?type=fablab&theme=sante,mobilite&region=52")
    )
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == (
        "http://testserver/flux/structures.atom?region=52&theme=mobilite,sante&type=fablab"
    )
    assert (
        links["alternate"] == "http://testserver/flux/?region=52&theme=mobilite,sante&type=fablab"
    )
    assert root.findtext(f"{ATOM}title") == (
        "Maillage · Nouvelles structures · Pays de la Loire · Mobilité, Santé · Fablab / makerspace"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/flux/structures.atom?region=99", "Aucune région n'a le code INSEE « 99 »"),
        (
            "/flux/structures.atom?theme=mobilité",
            "Aucune thématique n'a l'identifiant « mobilité »",
        ),
        (
            "/flux/tout.atom?type=fablab,foodlab",
            "Aucun type de structure n'a l'identifiant « foodlab »",
        ),
        ("/flux/initiatives.atom?commune=44000", "Aucune commune n'a le code INSEE « 44000 »"),
        ("/flux/structures.atom?regoin=52", "Le paramètre « regoin » n'existe pas"),
    ],
)
def test_unknown_filters_are_a_404_that_says_what_is_wrong(client, atlas, url, message):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert message in html.unescape(response.content.decode())


def test_unknown_feed_is_a_404(client, atlas):
    assert client.get("/flux/pratiques-inconnues.atom").status_code == 404


def test_initiatives_feed_dates_initiatives_by_their_arrival_and_keeps_their_id(
    client, atlas, django_capture_on_commit_callbacks
):
    root = parse_feed(client.get("/flux/initiatives.atom"))
    assert entry_titles(root) == ["Visières imprimées en 3D"]
    entry = root.find(f"{ATOM}entry")
    first_id, first_updated = entry.findtext(f"{ATOM}id"), entry.findtext(f"{ATOM}updated")
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Atelier partagé de Nantes"
    assert "Depuis le 20/03/2020" in html.unescape(entry.findtext(f"{ATOM}summary"))
    # An import rewrites the initiative (new row, same content): same entry, same date.
    ResilienceInitiative.objects.all().delete()
    ResilienceInitiative.objects.create(
        structure=atlas["atelier"],
        title="Visières imprimées en 3D",
        started_on=dt.date(2020, 3, 20),
    )
    again = parse_feed(client.get("/flux/initiatives.atom")).find(f"{ATOM}entry")
    assert (again.findtext(f"{ATOM}id"), again.findtext(f"{ATOM}updated")) == (
        first_id,
        first_updated,
    )
    # A new one comes first, dated when it was first seen.
    Sighting.objects.update(first_seen_at=START)
    ResilienceInitiative.objects.create(structure=atlas["garage"], title="Vélos-cargos de quartier")
    assert entry_titles(parse_feed(client.get("/flux/initiatives.atom"))) == [
        "Vélos-cargos de quartier",
        "Visières imprimées en 3D",
    ]
    # Filters apply to the initiatives' structures.
    assert entry_titles(parse_feed(client.get("/flux/initiatives.atom?region=53"))) == [
        "Vélos-cargos de quartier"
    ]


def test_feed_of_everything_merges_sources_and_names_them(client, atlas):
    Sighting.objects.all().delete()
    client.get("/flux/initiatives.atom")
    Sighting.objects.update(first_seen_at=START + dt.timedelta(days=2, hours=12))
    titles = entry_titles(parse_feed(client.get("/flux/tout.atom?region=52")))
    assert titles == [
        "Visières imprimées en 3D (Nouvelles initiatives de résilience)",
        "Café & Co <Lab> « Zoé » (Nouvelles structures)",
        "Atelier partagé de Nantes (Nouvelles structures)",
    ]


def test_feed_in_english(client, atlas):
    root = parse_feed(client.get("/flux/structures.atom?theme=mobilite", HTTP_ACCEPT_LANGUAGE="en"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.findtext(f"{ATOM}title") == "Maillage · New structures · Mobility"
    assert "Themes: Mobility" in html.unescape(root.find(f"{ATOM}entry/{ATOM}summary").text)


def _alternates(response) -> dict[str, str]:
    from lxml import html as lxml_html

    document = lxml_html.fromstring(response.content)
    return {
        link.get("title"): link.get("href")
        for link in document.head.findall("link")
        if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
    }


def test_pages_announce_their_feeds(client, atlas, places):
    home = _alternates(client.get("/"))
    assert home["Maillage · Nouvelles structures"] == "/flux/structures.atom"
    assert home["Maillage · Toutes les nouveautés"] == "/flux/tout.atom"
    assert home["Maillage · Nouvelles initiatives de résilience"] == "/flux/initiatives.atom"
    # The map's filters that feeds know are carried over; the others are left out.
    on_map = _alternates(client.get("/carte/?region=52&theme=mobilite&format=hackathon"))
    assert on_map["Maillage · Nouvelles structures · Pays de la Loire · Mobilité"] == (
        "/flux/structures.atom?region=52&theme=mobilite"
    )
    assert "/flux/tout.atom" in _alternates(client.get("/recherche/?q=atelier")).values()
    territory = client.get("/territoires/departement/35/")
    assert territory.status_code == 200
    assert _alternates(territory)["Maillage · Nouvelles structures · Ille-et-Vilaine (35)"] == (
        "/flux/structures.atom?department=35"
    )


def test_feeds_page_builds_feed_addresses_from_filters(client, atlas):
    page = client.get("/flux/")
    assert page.status_code == 200
    content = html.unescape(page.content.decode())
    assert "http://testserver/flux/structures.atom" in content
    assert "<code>mobilite</code> (Mobilité)" in content

    chosen = client.get("/flux/?region=52&commune=35238&theme=mobilite&theme=sante&type=fablab")
    assert chosen.status_code == 200
    content = html.unescape(chosen.content.decode())
    query = "region=52&commune=35238&theme=mobilite,sante&type=fablab"
    for slug in ("tout", "structures", "initiatives"):
        assert f"http://testserver/flux/{slug}.atom?{query}" in content
    assert f'href="/flux/abonnement/?{query}"' in content
    # The address it gives serves the feed it describes.
    parse_feed(client.get(f"/flux/structures.atom?{query}"))

    wrong = client.get("/flux/?commune=Nulle-Part-sur-Mer&theme=mobilite")
    assert wrong.status_code == 400
    content = html.unescape(wrong.content.decode())
    assert "Commune introuvable" in content
    assert 'value="Nulle-Part-sur-Mer"' in content


def test_subscription_form_takes_the_selection_of_the_feeds_page(client, atlas):
    form = html.unescape(
        client.get("/flux/abonnement/?region=52&theme=mobilite,sante").content.decode()
    )
    assert '<option value="52" selected>' in form
    assert 'value="mobilite"' in form
    assert form.count("checked") >= 3  # two themes and the weekly frequency


def test_initiatives_of_unpublished_or_removed_structures_are_left_out(client, atlas):
    ResilienceInitiative.objects.create(structure=atlas["pending"], title="Initiative en attente")
    ResilienceInitiative.objects.create(structure=atlas["closed"], title="Initiative fermée")
    assert entry_titles(parse_feed(client.get("/flux/initiatives.atom"))) == [
        "Visières imprimées en 3D"
    ]
    # Removed after it was seen: gone from the feed too.
    ResilienceInitiative.objects.filter(title="Visières imprimées en 3D").delete()
    assert entry_titles(parse_feed(client.get("/flux/initiatives.atom"))) == []


def test_feed_alternate_link_opens_the_same_selection_on_the_feeds_page(client, atlas):
    query = "region=52&epci=243500139&theme=mobilite,sante&type=fablab"
    root = parse_feed(client.get(f"/flux/structures.atom?{query}"))
    alternate = next(
        link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "alternate"
    )
    page = client.get(alternate.removeprefix("http://testserver"))
    assert page.status_code == 200
    content = html.unescape(page.content.decode())
    canonical = "region=52&epci=243500139&theme=mobilite,sante&type=fablab"
    assert f"http://testserver/flux/structures.atom?{canonical}" in content
    assert "Pays de la Loire, Rennes Métropole · Mobilité, Santé · Fablab / makerspace" in content
    subscribe = html.unescape(client.get(f"/flux/abonnement/?{canonical}").content.decode())
    assert 'value="243500139"' in subscribe
