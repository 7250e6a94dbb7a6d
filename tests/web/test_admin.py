"""Admin of structures and vocabularies: pages load, and saving keeps search up to date."""

import pytest
from django.urls import reverse

from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client, lenient_templates):
    return admin_client


@pytest.mark.parametrize("model", ["term", "source", "structure"])
def test_changelists_load(staff, atlas, model):
    response = staff.get(reverse(f"admin:structures_{model}_changelist"))
    assert response.status_code == 200


def test_changelist_search_and_filters(staff, atlas):
    url = reverse("admin:structures_structure_changelist")
    response = staff.get(url, {"q": "Fabrique", "status__exact": "published"})
    assert [s.name for s in response.context["cl"].result_list] == ["La Fabrique des communs"]


def test_change_form_has_inlines_and_commune_autocomplete(staff, atlas):
    structure = atlas["fabrique"]
    response = staff.get(reverse("admin:structures_structure_change", args=[structure.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    for prefix in ["partners", "value_examples", "contacts", "resilience_initiatives"]:
        assert f'id="id_{prefix}-TOTAL_FORMS"' in content
    assert "admin-autocomplete" in content


def test_commune_autocomplete_answers(staff, atlas):
    response = staff.get(
        reverse("admin:autocomplete"),
        {
            "term": "nantes",
            "app_label": "structures",
            "model_name": "structure",
            "field_name": "commune",
        },
    )
    assert response.status_code == 200
    # Names that start with the term, shortest first: Nantes before Nantes-en-Ratier.
    assert [r["text"] for r in response.json()["results"]][0] == "Nantes (44)"


def test_saving_recomputes_the_search_columns(staff, atlas, client):
    structure = atlas["tiers-lieu"]
    url = reverse("admin:structures_structure_change", args=[structure.pk])
    form = staff.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        name="Le Hangar des xylophones",
        commune=structure.commune_id,
        main_type=structure.main_type_id,
        source=structure.source_id,
    )
    for prefix in ["partners", "value_examples", "contacts", "resilience_initiatives"]:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = staff.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    structure = Structure.objects.get(pk=structure.pk)
    assert "xylophon" in structure.search_document
    found = client.get(reverse("web:search"), {"q": "xylophones"})
    assert [s.name for s in found.context["page"].object_list] == ["Le Hangar des xylophones"]
