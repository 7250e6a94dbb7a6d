"""Editions' files written off the request: a new edition is published once its file is
written, and an edition that must lose a person withholds its files until it has."""

import io
import json

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from maillage.contributions import edition_writer
from maillage.contributions.editions import edition_document, edition_publish
from maillage.contributions.models import Edition, ErasureRequest, StructureRevision
from maillage.contributions.personal_data import _snapshots_may_hold, person_erase
from maillage.exports.writers import write_json
from maillage.structures.models import Contact, Structure

ADDRESS = "camille@fabrique-des-communs.example"


def _join_writer() -> None:
    thread = edition_writer._writer.running()
    if thread is not None:
        thread.join(timeout=120)


@pytest.fixture
def writer_busy():
    """Another writer of the machine holds the lock: what the request left to do stays
    visible until the test lets go."""
    with edition_writer.writer_lock(wait=False) as acquired:
        assert acquired
        yield


@pytest.mark.django_db(transaction=True)
def test_an_edition_asked_from_the_web_is_published_once_its_file_is_written(
    client, settings, vocabularies, editor
):
    from tests.web.conftest import build_atlas

    build_atlas(vocabularies)
    settings.EDITIONS_IN_BACKGROUND = True
    client.force_login(editor)
    asked_at = timezone.now()
    with edition_writer.writer_lock(wait=False):
        response = client.post(
            "/editions/publier/", {"title": "Édition nationale", "note": "Au national."}
        )
        edition = Edition.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/editions/{edition.slug}/"
        assert edition.state == Edition.State.WRITING and edition.number == 1
        _join_writer()  # it found the lock taken and left the work to its holder

        # The editor follows its preparation; nobody else sees it yet.
        page = client.get(response["Location"])
        assertContains(page, "Édition en préparation")
        assertContains(page, 'http-equiv="refresh"')
        assertNotContains(page, "Télécharger cette édition")
        assertContains(client.get("/editions/"), "est en cours d'écriture")
        client.logout()
        assert client.get(response["Location"]).status_code == 404
        assert client.get(f"/editions/{edition.slug}/donnees.json").status_code == 404
        assertNotContains(client.get("/editions/"), "Édition nationale")
        assert client.get("/api/v1/editions").json()["count"] == 0

    edition_writer.editions_start()
    _join_writer()
    edition.refresh_from_db()
    assert edition.state == Edition.State.READY
    assert edition.published_at >= asked_at
    published = Structure.objects.published().count()
    assert edition.structure_count == published > 0
    document = json.loads(client.get(f"/editions/{edition.slug}/donnees.json").content)
    assert len(document["structures"]) == published
    assertContains(client.get("/editions/"), "Édition nationale")
    assert client.get("/api/v1/editions").json()["results"][0]["number"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_writer_that_died_is_started_again_by_a_visit(client, settings, vocabularies):
    from tests.web.conftest import build_atlas

    build_atlas(vocabularies)
    settings.EDITIONS_IN_BACKGROUND = True
    with edition_writer.writer_lock(wait=False):
        edition = edition_publish(title="Interrompue", wait=False)
        _join_writer()  # it gave up: another held the lock, and nobody wrote it since
    assert Edition.objects.get().state == Edition.State.WRITING
    edition_writer._writer.started_at = 0.0

    client.get("/editions/")
    _join_writer()
    edition.refresh_from_db()
    assert edition.state == Edition.State.READY and edition.structure_count > 0


@pytest.mark.django_db(transaction=True)
def test_a_removal_withholds_the_editions_files_until_they_are_rewritten(
    client, settings, vocabularies
):
    from tests.web.conftest import build_atlas

    build_atlas(vocabularies)
    edition = edition_publish(title="Édition avec Camille")
    other = edition_publish(title="Deuxième édition")
    assert ADDRESS in json.dumps(edition_document(edition))
    camille = Structure.objects.get(contacts__name="Camille Martin").uid
    settings.EDITIONS_IN_BACKGROUND = True
    with edition_writer.writer_lock(wait=False):
        request = person_erase(email=ADDRESS.upper())
        _join_writer()
        assert not Contact.objects.filter(email__iexact=ADDRESS).exists()
        edition.refresh_from_db()
        assert edition.state == Edition.State.REWRITING

        # Never what was removed: the files wait, saying why and when to come back.
        download = client.get(f"/editions/{edition.slug}/donnees.json")
        assert download.status_code == 503 and download["Retry-After"]
        assertContains(download, "en cours de réécriture", status_code=503)
        assert ADDRESS not in download.content.decode()
        api = client.get(f"/api/v1/editions/{edition.number}/structures/{camille}")
        assert api.status_code == 503 and "Réessayez" in api.json()["detail"]
        assertContains(client.get("/editions/"), "fichiers en réécriture")
        atlas_page = client.get(f"/carte/edition/{edition.number}/")
        assertContains(atlas_page, "en cours de réécriture", status_code=503)
        detail = client.get(f"/editions/{edition.slug}/")
        assertContains(detail, "Fichiers en cours de réécriture")
        assertNotContains(detail, "donnees.json")

    edition_writer.editions_start()
    _join_writer()
    for item in (edition, other):
        item.refresh_from_db()
        assert item.state == Edition.State.READY and item.erasures_pending == []
        assert item.rewritten_at is not None
    body = client.get(f"/editions/{edition.slug}/donnees.json").content.decode()
    assert ADDRESS not in body and "secret@example.org" not in body
    assert "Camille Martin" not in body
    request.refresh_from_db()
    assert request.editions_rewritten == 2


@pytest.mark.django_db
def test_a_removal_during_an_editions_writing_leaves_the_person_out(atlas, settings):
    """The file's snapshot was read before the removal was committed: the writer applies
    the removal recorded on the edition meanwhile before publishing it."""
    settings.EDITIONS_IN_BACKGROUND = True  # the writer is this test
    edition = edition_publish(title="En cours", wait=False)
    stream = io.BytesIO()
    count = write_json(Structure.objects.published(), stream)
    assert ADDRESS.encode() in stream.getvalue()
    person_erase(email=ADDRESS)
    edition.refresh_from_db()
    assert edition.state == Edition.State.WRITING and edition.erasures_pending

    edition_writer._finish(edition.pk, raw=stream.getvalue(), taken_at=timezone.now(), count=count)
    edition.refresh_from_db()
    assert edition.state == Edition.State.READY
    assert ADDRESS not in json.dumps(edition_document(edition))
    assert edition.structure_count == count
    assert ErasureRequest.objects.get().editions_rewritten == 1


@pytest.mark.django_db
def test_the_history_is_searched_for_every_form_of_the_address(atlas):
    """Revisions are narrowed by the database before they are read: an address written
    with capitals or accented letters is still found and removed."""
    structure = atlas["fabrique"]
    stored = "Élodie.KARIM@Fabrique.Example"
    Contact.objects.create(structure=structure, name="Élodie Karim", email=stored)
    revision = StructureRevision.objects.create(
        structure=structure,
        structure_uid=structure.uid,
        origin=StructureRevision.Origin.MANAGER,
        after={"name": structure.name, "contacts": [{"name": "Élodie", "email": stored}]},
    )
    unrelated = StructureRevision.objects.create(
        structure=atlas["hub"],
        structure_uid=atlas["hub"].uid,
        origin=StructureRevision.Origin.MANAGER,
        after={"name": "Hub", "contacts": [{"name": "Autre", "email": "autre@example.org"}]},
    )
    unrelated = StructureRevision.objects.filter(pk=unrelated.pk)

    assert StructureRevision.objects.filter(_snapshots_may_hold("élodie.karim@fabrique.example"))
    assert not unrelated.filter(_snapshots_may_hold("élodie.karim@fabrique.example")).exists()
    request = person_erase(email="élodie.karim@fabrique.example")
    revision.refresh_from_db()
    assert revision.after["contacts"] == []
    assert request.revisions_cleared >= 1
    assert not Contact.objects.filter(name="Élodie Karim").exists()
