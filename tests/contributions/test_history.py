"""Every change to a structure is recorded (who, when, which fields, from where) and can be
reverted."""

import pytest
from django.urls import reverse

from maillage.contributions.models import Proposal, StructureRevision
from maillage.contributions.services import proposal_accept, revision_revert, structure_edit
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


def test_a_direct_edit_is_recorded_and_reverted(atlas, manager, moderator):
    structure = atlas["fabrique"]
    revision = structure_edit(
        structure=structure,
        payload={"acronym": "LFC", "themes": ["mobilite"]},
        base_updated_at=structure.updated_at,
        user=manager,
    )
    assert revision.origin == StructureRevision.Origin.MANAGER
    assert revision.author == manager
    assert revision.author_label == "Prénom Nom"
    assert set(revision.changed_fields) >= {"acronym", "themes", "last_verified_at"}
    assert revision.before["acronym"] == "FDC"
    assert revision.after["acronym"] == "LFC"
    revert = revision_revert(revision=revision, user=moderator)
    structure.refresh_from_db()
    assert structure.acronym == "FDC"
    assert sorted(t.slug for t in structure.themes.all()) == [
        "energie-renouvelable",
        "inclusion-numerique",
        "mobilite",
    ]
    # Nested records come back too: partners, examples, contacts, initiatives.
    assert structure.partners.count() == 3
    assert structure.contacts.filter(publication_consent=True).count() == 1
    assert revert.origin == StructureRevision.Origin.REVERT
    revision.refresh_from_db()
    assert revision.reverted_by == revert


def test_reverting_a_creation_hides_the_structure_again(atlas, moderator):
    proposal = Proposal.objects.create(
        kind=Proposal.Kind.NEW,
        payload={"name": "Nouveau lieu", "main_type": "fablab", "commune_code": "44109"},
    )
    structure = proposal_accept(proposal=proposal, moderator=moderator)
    revision = StructureRevision.objects.get(structure=structure)
    revision_revert(revision=revision, user=moderator)
    structure.refresh_from_db()
    assert structure.status == Structure.Status.PENDING


def test_admin_saves_are_recorded(atlas, admin_client, lenient_templates):
    structure = atlas["hub"]
    url = reverse("admin:structures_structure_change", args=[structure.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "name": "Hub des territoires (renommé)",
            "secondary_types": [],
            "themes": [],
            "formats": [],
            "audiences": [],
            "partner_kinds": [],
        }
    )
    for prefix in ("partners", "value_examples", "contacts", "resilience_initiatives"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    revision = StructureRevision.objects.get(structure=structure)
    assert revision.origin == StructureRevision.Origin.ADMIN
    assert revision.changed_fields == ["name"]
    assert revision.before["name"] == "Hub des territoires"


def test_revision_admin_shows_the_diff_and_reverts(atlas, manager, admin_client, lenient_templates):
    structure = atlas["fabrique"]
    revision = structure_edit(
        structure=structure,
        payload={"acronym": "LFC"},
        base_updated_at=structure.updated_at,
        user=manager,
    )
    page = admin_client.get(
        reverse("admin:contributions_structurerevision_change", args=[revision.pk])
    )
    assert page.status_code == 200
    assert any(row["title"] == "Sigle" for row in page.context["diff"])
    response = admin_client.post(
        reverse("admin:contributions_structurerevision_revert", args=[revision.pk])
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.acronym == "FDC"


def test_imports_are_recorded(atlas, tmp_path):
    from maillage.imports.pipeline import run_import
    from maillage.referential.resolution import CommuneResolver

    # A resolver over this test's communes: the session-wide referential is loaded by the
    # referential tests themselves (a transactional test in between would flush it).
    resolver = CommuneResolver()
    path = tmp_path / "maillage.csv"
    path.write_text(
        "id,name,main_type,commune_code,source,source_record_id,acronym\n"
        "mlg-0005,Pôle Mer et mobilités,pole-competitivite,44109,bdt-opencitiz-2020,,PMM\n"
        ",Nouvelle pépinière,incubateur,44109,bdt-opencitiz-2020,NEW-1,\n",
        encoding="utf-8",
    )
    report = run_import(path=path, profile="maillage", resolver=resolver)
    assert report.written, report.rejected
    updated = StructureRevision.objects.get(structure=atlas["pole"])
    assert updated.origin == StructureRevision.Origin.IMPORT
    assert "acronym" in updated.changed_fields
    assert updated.before["acronym"] == "" and updated.after["acronym"] == "PMM"
    assert updated.note == "maillage.csv"
    created = StructureRevision.objects.get(structure__name="Nouvelle pépinière")
    assert created.before is None
