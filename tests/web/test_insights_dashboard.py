"""/enseignements/: the numbers on the page, in its CSV and JSON, and from the API agree."""

import csv
import io
import re

import pytest
from django.urls import reverse

from tests.analyses.builders import build_known_atlas

URL = "/enseignements/"


@pytest.fixture
def known(db):
    return build_known_atlas()


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def figure(response, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', response.content.decode())
    return match.group(1).replace("\u00a0", " ").replace("\u202f", " ")


def test_url_names():
    assert reverse("insights:insights") == URL
    assert reverse("insights:territory", args=["commune", "44109"]) == (
        "/territoires/commune/44109/"
    )


def test_the_page_shows_the_computed_figures(client, known):
    response = client.get(URL)
    assert response.status_code == 200
    assert figure(response, "structures") == "4"
    assert figure(response, "per-100k") == "0,8"
    assert figure(response, "population") == "500 000"
    assert figure(response, "uncovered") == "18,2 %"
    text = text_of(response)
    assert "75 % des structures sont dans une métropole, qui rassemble 80 % de la population." in (
        text
    )
    assert "Le type le plus représenté est « Fablab / makerspace » : 2 structures" in text
    # The territorial table: Pays de la Loire, 3 structures, 400,000 inhabitants, 0.75.
    assert re.search(r"Pays de la Loire 3 400 000 0,8", text)


def test_page_json_csv_and_api_agree(client, known):
    page = text_of(client.get(URL))
    data = client.get(reverse("insights:json")).json()
    assert data["structures"] == 4
    assert data["population"] == 500_000
    regions = {row["key"]: row["values"] for row in data["tables"]["regions"]["rows"]}
    api = {row["code"]: row for row in client.get("/api/v1/territories/regions").json()["results"]}
    for code in ("52", "53"):
        assert regions[code][0] == api[code]["structures"]
        assert regions[code][1] == api[code]["population"]
    assert client.get("/api/v1/structures").json()["count"] == data["structures"]
    assert client.get("/api/v1/structures?region=53").json()["count"] == 1
    assert client.get(reverse("insights:json") + "?region=53").json()["structures"] == 1
    rows = list(
        csv.reader(io.StringIO(client.get("/enseignements/donnees/types.csv").content.decode()))
    )
    assert rows[0] == ["code", "Type", "Structures", "Part des structures"]
    assert ["fablab", "Fablab / makerspace", "2", "50"] in rows
    resilience = client.get("/api/v1/resilience-initiatives").json()
    categories = data["tables"]["resilience-categories"]["rows"]
    assert resilience["count"] == sum(row["values"][0] for row in categories) == 3
    assert data["findings"][1].replace("\u00a0", " ") in page


def test_csv_of_every_table_and_unknown_table(client, known):
    data = client.get(reverse("insights:json")).json()
    for key in data["tables"]:
        response = client.get(f"/enseignements/donnees/{key}.csv")
        assert response.status_code == 200, key
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
    assert client.get("/enseignements/donnees/inconnue.csv").status_code == 404


def test_charts_and_tables_are_accessible(client, known):
    html = client.get(URL).content.decode()
    svgs = re.findall(r"<svg class=\"chart\"[^>]*>", html)
    assert len(svgs) >= 15
    for tag in svgs:
        assert 'role="img"' in tag
        assert re.search(r'aria-label="[^"]{20,}"', tag), tag
    tables = re.findall(r"<table.*?</table>", html, flags=re.S)
    assert tables and all("<caption" in table for table in tables)
    # Each figure: its chart, its table and a CSV link.
    assert html.count("Télécharger les données (CSV)") == html.count('class="insight"')


def test_filters_apply_and_bad_parameters_are_reported(client, known):
    response = client.get(URL + "?region=53&theme=inconnue&distance=abc")
    assert response.status_code == 200
    assert figure(response, "structures") == "1"
    text = text_of(response)
    assert "Certains paramètres ont été ignorés" in text
    assert "theme=inconnue" in text
    assert "distance=abc" in text
    assert "Bretagne" in text


def test_an_empty_selection_has_a_clear_page(client, known):
    response = client.get(URL + "?theme=tourisme")
    assert response.status_code == 200
    assert "Aucune structure publiée ne correspond à ce périmètre" in text_of(response)
    assert figure(response, "structures") == "0"


def test_a_type_without_structures(client, known):
    response = client.get(URL + "?type=technopole&couverture=technopole")
    assert response.status_code == 200
    assert figure(response, "uncovered") == "100 %"


def test_the_distance_parameter(client, known):
    response = client.get(URL + "?distance=40")
    assert figure(response, "uncovered") == "18 %"  # Ploumagoar: 90,000 of 500,000


def test_query_count_is_pinned(client, known, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        assert client.get(URL + "?region=52").status_code == 200
    client.get(URL)  # computes what the whole atlas's page serves (tests/web/test_insights_kept.py)
    with django_assert_max_num_queries(6):
        assert client.get(URL + "?utm=1").status_code == 200


def test_guide_downloads(client, known):
    response = client.get(reverse("insights:guide_pdf") + "?region=52")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    html = client.get(reverse("insights:guide_html")).content.decode()
    assert "Annexe : les structures analysées" in html
    assert "Atelier A" in html and "Projet E" not in html
