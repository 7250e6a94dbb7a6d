"""/partenaires/: the guided search, its answers and its messages for bad input."""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from tests.web.conftest import _strict_templates  # noqa: F401  (unknown variables fail)

pytestmark = pytest.mark.django_db
URL = reverse("matchmaking:partners")


def get(client, **params):
    return client.get(URL + "?" + urlencode(params, doseq=True))


def ranked_names(response) -> list[str]:
    html = response.content.decode()
    section = html.split("data-ranked-results", 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<h3 class="structure-card__title"><a href="[^"]+">([^<]+)</a>', section)


def test_first_visit_shows_the_form_and_how_it_works(client, vocab):
    response = client.get(URL)
    assertContains(response, '<h1 class="page-title">Trouver des partenaires</h1>', html=False)
    assertContains(response, "Comment ça marche")
    assertContains(response, 'method="get"')
    assertContains(response, "Une collectivité territoriale")
    assertContains(response, 'value="mobilite"')
    assertContains(response, 'value="hackathons"')
    assertNotContains(response, 'role="alert"')


def test_results_ranked_with_why_contact_comparable_and_inspiration(client, partners_atlas):
    response = get(client, who="startup", commune="Port-Essai", theme=["mobilite", "sante"])
    assert response.status_code == 200
    # Ordered as argued in test_selectors: both themes here, both themes far, one theme near.
    assert ranked_names(response) == [
        "Atelier des mobilités",
        "Cluster du Sud",
        "Labo de la Rive",
    ]
    # The Atelier also serves start-ups, the profile asked.
    assertContains(
        response,
        escape("Partage les thèmes Mobilité et Santé · Accompagne : Start-up · à moins d'1 km"),
    )
    assertContains(response, "Partage le thème Mobilité · à 8 km")
    atelier = partners_atlas["atelier"]
    assertContains(response, f'href="{atelier.get_absolute_url()}#contact"')
    assertContains(response, "3 structures classées, autour de Port-Essai")
    # Comparable territories: a métropole's commune of 100,000+ elsewhere.
    comparable = response.content.decode().split('id="comparable-title"', 1)[1]
    comparable = comparable.split("</section>", 1)[0]
    assert "Cluster du Sud" in comparable and "Labo de la Rive" not in comparable
    assert "hors Métropole d&#x27;essai" in comparable
    # Inspiration on the themes.
    assertContains(response, "Navettes solidaires pendant le confinement")
    assertContains(response, "Vingt vélos cargos prototypés")
    # What was asked stays ticked: the URL is the search, to share.
    assertContains(response, 'value="mobilite" checked')
    assertContains(response, 'value="startup" checked')
    assertContains(response, 'value="Port-Essai"')


def test_the_same_url_gives_the_same_answer(client, partners_atlas):
    params = {"commune": "99101", "theme": "mobilite,sante", "format": "prototypage"}
    assert ranked_names(get(client, **params)) == ranked_names(get(client, **params))
    assert ranked_names(get(client, **params))[0] == "Atelier des mobilités"


def test_nothing_checked_says_what_to_tick(client, partners_atlas):
    response = get(client, who="startup", commune="Port-Essai")
    assertContains(response, 'role="alert"')
    assertContains(response, "Cochez au moins une thématique ou un format")
    assertContains(response, 'href="#field-theme"')
    assertNotContains(response, "data-ranked-results")
    # Nothing typed is lost.
    assertContains(response, 'value="Port-Essai"')


def test_unknown_theme_is_named_and_the_known_ones_kept(client, partners_atlas):
    response = get(client, commune="Port-Essai", theme=["mobilite", "teleportation"])
    assertContains(response, escape("Thématique inconnue : « teleportation »"))
    assertContains(response, 'value="mobilite" checked')
    assertNotContains(response, "data-ranked-results")


def test_unknown_format_and_profile(client, partners_atlas):
    response = get(client, theme="mobilite", format="yoga", who="pirate")
    assertContains(response, escape("Format inconnu : « yoga »"))
    assertContains(response, escape("« pirate » n'est pas un profil connu"))


def test_unknown_commune(client, partners_atlas):
    response = get(client, commune="Atlantide-Essai", theme="mobilite")
    assertContains(response, escape("Aucune commune ne s'appelle « Atlantide-Essai »"))
    assertContains(response, 'aria-invalid="true"')
    assertContains(response, 'value="Atlantide-Essai"')


def test_ambiguous_commune_lists_the_candidates_as_links(client, partners_atlas):
    response = get(client, commune="saint essai", theme="mobilite")
    assertContains(response, "Plusieurs communes s&#x27;appellent « saint essai »")
    assertContains(response, "Saint-Essai (99), Saint-Essai (990)")
    # Each candidate is a link that keeps the rest of the search.
    assertContains(response, "?commune=Saint-Essai+%2899%29&amp;theme=mobilite")
    assertContains(response, "?commune=Saint-Essai+%28990%29&amp;theme=mobilite")
    response = get(client, commune="Saint-Essai (990)", theme="mobilite")
    assertNotContains(response, 'role="alert"')
    assertContains(response, "autour de Saint-Essai")


@pytest.mark.parametrize(
    "commune",
    ["99101", "Port-Essai", "port essai", "PORT-ESSAI (99)", "99100", "Port-Essai 99100"],
)
def test_commune_written_many_ways(client, partners_atlas, commune):
    response = get(client, commune=commune, theme="mobilite")
    assertNotContains(response, 'role="alert"')
    assertContains(response, "autour de Port-Essai")


def test_without_commune_results_have_no_distance(client, partners_atlas):
    response = get(client, theme="sante")
    assert ranked_names(response) == ["Atelier des mobilités", "Cluster du Sud"]
    assert re.search(r"2 structures classées\s*</p>", response.content.decode())
    assertNotContains(response, " km<")
    assertNotContains(response, 'id="comparable-title"')


def test_no_result_explains_what_to_try(client, partners_atlas):
    response = get(client, theme="tourisme")
    assertContains(response, "Aucune structure publiée ne travaille encore sur ces thématiques")
    assertContains(response, "Pas encore d'initiative ni d'exemple")


@pytest.mark.parametrize(
    "query",
    [
        "theme=%00",
        "commune=99101%00&q=%00&theme=mobilite",
        "commune=Port-Essai%20(99%00)&theme=mobilite",
        "commune=" + "x" * 5000,
        "commune=%28%29",
        "commune=(44)",
        "commune=2A",
        "commune=00000",
        "commune=99",
        "theme[]=mobilite",
        "who=<script>alert(1)</script>&theme=mobilite",
        "q=" + "é" * 1000,
        "format=,,,",
        "theme=mobilite&" + "&".join(["theme=mobilite"] * 200),
        "q=%EF%BF%BF%F0%9F%98%80&theme=sante",
        "commune=%0A%0D&theme=sante",
        'q=AND OR NOT * " ( ) :',
        "q=a:b-c&theme=sante",
    ],
)
def test_odd_query_strings_never_fail(client, partners_atlas, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assertNotContains(response, "<script>alert(1)</script>")


def test_in_english(client, partners_atlas, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = get(client, commune="Port-Essai", theme=["mobilite"])
    assertContains(response, "Find partners")
    assertContains(response, "Shares the theme Mobility · 8 km away")


def test_navigation_links_to_the_page(client, partners_atlas):
    response = client.get(reverse("web:home"))
    assertContains(response, f'<a href="{URL}">Partenaires</a>', html=False)
    response = client.get(URL)
    assertContains(response, f'<a href="{URL}" aria-current="page">Partenaires</a>')


def test_query_count_does_not_grow_with_the_data(client, vocab, places, partners_atlas):
    # Data version 1 (page cache), vocabulary 1, commune 1, ranking 2, comparable
    # territories 2, inspiration 2.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from maillage.structures.models import ResilienceInitiative, ValueExample
    from tests.web.builders import make_structure

    params = {"who": "startup", "commune": "99101", "theme": ["mobilite", "sante"]}
    counts = []
    for added in (0, 8):
        for n in range(added):
            structure = make_structure(
                name=f"Ajout {n}",
                commune=places["grand" if n % 2 else "rive"],
                themes=[vocab["theme"]["mobilite"]],
                formats=[vocab["format"]["hackathons"]],
                audiences=[vocab["actor"]["startups"]],
            )
            ResilienceInitiative.objects.create(structure=structure, title=f"Initiative {n}")
            ValueExample.objects.create(structure=structure, title=f"Exemple {n}")
        with CaptureQueriesContext(connection) as queries:
            response = get(client, **params)
        assert len(ranked_names(response)) == 3 + added
        counts.append(len(queries))
    assert counts == [9, 9]
