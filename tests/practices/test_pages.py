"""The pages of practice sheets: the public sheet, its link from each structure's page and
from the navigation, and the form (preview, messages that say where and what, nothing lost)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.practices.models import PracticeSheet
from maillage.practices.search_index import FTS_TABLE, TABLE

pytestmark = pytest.mark.django_db


def test_the_sheet_page_shows_everything_and_links_its_structures(client, write, atlas):
    sheet = write(structures=[atlas["fabrique"], atlas["hub"]])
    page = client.get(sheet.get_absolute_url()).content.decode()
    assert '<h1 class="structure-header__name">Hackathon des mobilités rurales</h1>' in page
    assert "Hackathon" in page and "De mars 2024 à mars 2024" in page
    assert "<strong>prototypé</strong>" in page
    assert "Habitants, élus de la communauté de communes" in page
    assert "Trois prototypes" in page
    assert f'href="{atlas["fabrique"].get_absolute_url()}"' in page
    assert f'href="{atlas["hub"].get_absolute_url()}"' in page
    assert "Modifier la fiche pratique" not in page  # a visitor


@pytest.mark.parametrize("structure", ["fabrique", "hub"])
def test_each_linked_structure_page_lists_its_published_sheets(client, write, atlas, structure):
    write(structures=[atlas["fabrique"], atlas["hub"]])
    write(title="Brouillon caché", status=PracticeSheet.Status.DRAFT)
    page = client.get(atlas[structure].get_absolute_url()).content.decode()
    assert '<h2 id="practices-title" class="section-title">Fiches pratiques</h2>' in page
    assert 'href="/pratiques/hackathon-des-mobilites-rurales/"' in page
    assert "Brouillon caché" not in page
    other = client.get(atlas["pole"].get_absolute_url()).content.decode()
    assert "practices-title" not in other


def test_the_navigation_leads_to_the_practices(client, atlas):
    page = client.get(reverse("web:home")).content.decode()
    assert '<a href="/pratiques/">Pratiques</a>' in page
    page = client.get(reverse("practices:list")).content.decode()
    assert '<a href="/pratiques/" aria-current="page">Pratiques</a>' in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("practices:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Practices</a>" in page


def _form(atlas, **overrides) -> dict:
    data = {
        "title": "Expérimentation de navettes autonomes",
        "kind": "experimentation",
        "summary": "Six mois de navettes entre la gare et le centre.",
        "body": "## Ce qui a marché\n\n- la **concertation**\n\n<script>alert(1)</script>",
        "participants": "Habitants du quartier",
        "outcomes": "Un rapport public.",
        "started_on": "2023-09-01",
        "ended_on": "2024-02-28",
        "themes": ["mobilite"],
        "formats": ["experimentation"],
        "structures": f"{atlas['fabrique'].name}\nhttps://maillage.test/structures/{atlas['pole'].slug}/",
        "status": "published",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_preview_renders_the_markdown_and_saves_nothing(client, editor, atlas):
    client.force_login(editor)
    response = client.post(reverse("practices:new"), _form(atlas, action="preview"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Aperçu (rien n'est encore enregistré)" in page
    assert "<h3>Ce qui a marché</h3>" in page and "<strong>concertation</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "Six mois de navettes entre la gare et le centre." in page  # still in the form
    assert PracticeSheet.objects.count() == 0


def test_errors_say_where_and_what_and_keep_everything(client, editor, atlas):
    client.force_login(editor)
    data = _form(
        atlas,
        title="",
        ended_on="2023-01-01",
        structures="La Fabrique des communs\nStructure imaginaire",
    )
    response = client.post(reverse("practices:new"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Le formulaire n'a pas été envoyé" in page
    assert '<a href="#id_title">Titre</a> : Donnez un titre à la fiche.' in page
    assert (
        '<a href="#id_ended_on">Fin</a> : La fin (2023-01-01) précède le début (2023-09-01)' in page
    )
    assert "Ligne 2 « Structure imaginaire » : aucune structure de l&#x27;atlas" in page
    # Everything typed is still there.
    assert "Six mois de navettes entre la gare et le centre." in page
    assert "Structure imaginaire</textarea>" in page
    assert 'name="themes" value="mobilite" id="id_themes_1" checked' in page
    assert PracticeSheet.objects.count() == 0


def test_saving_publishes_and_editing_keeps_the_address(client, editor, atlas):
    client.force_login(editor)
    response = client.post(reverse("practices:new"), _form(atlas))
    sheet = PracticeSheet.objects.get()
    assert response["Location"] == sheet.get_absolute_url()
    assert {s.slug for s in sheet.structures.all()} == {
        "la-fabrique-des-communs",
        "pole-mer-et-mobilites",
    }
    edit_url = reverse("practices:edit", args=[sheet.slug])
    form_page = client.get(edit_url).content.decode()
    assert "Pôle Mer et mobilités" in form_page  # the structures come back as lines
    client.post(edit_url, _form(atlas, title="Navettes autonomes, bilan"))
    sheet.refresh_from_db()
    assert (sheet.title, sheet.slug) == (
        "Navettes autonomes, bilan",
        "experimentation-de-navettes-autonomes",
    )


def test_a_manager_starts_with_their_structure(client, manager, atlas):
    client.force_login(manager)
    page = client.get(reverse("practices:new")).content.decode()
    assert ">\nLa Fabrique des communs</textarea>" in page


def test_the_search_index_exists_in_the_database(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
                [TABLE, f"{TABLE}_search_gin"],
            )
            assert "gin" in cursor.fetchone()[0].lower()
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [FTS_TABLE])
            assert "fts5" in cursor.fetchone()[0].lower()


def test_the_list_and_sheet_pages_do_not_query_per_sheet(client, write, atlas):
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    sheet = write(structures=[atlas["fabrique"], atlas["hub"]])
    first = (count(reverse("practices:list")), count(sheet.get_absolute_url()))
    for n in range(5):
        write(title=f"Autre fiche {n}", structures=[atlas["fabrique"], atlas["pole"]])
    assert (count(reverse("practices:list")), count(sheet.get_absolute_url())) == first
