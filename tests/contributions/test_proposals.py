"""Proposing a structure or a correction, and moderating it: nothing is published before a
moderator accepts it, and the spam checks come before anything is recorded or e-mailed."""

import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from maillage.contributions.models import Proposal, StructureRevision
from maillage.contributions.services import proposal_accept, proposal_reject
from maillage.structures.models import Structure
from tests.contributions.conftest import proposal_data

pytestmark = pytest.mark.django_db

PROPOSE = "/contribuer/"


def submit(client, solve, **overrides):
    data = proposal_data(**overrides)
    data["altcha"] = solve()
    return client.post(PROPOSE, data)


def test_the_form_offers_the_atlas_vocabularies(client, atlas):
    response = client.get(PROPOSE)
    assert response.status_code == 200
    assertContains(response, "Fablab / makerspace")
    assertContains(response, 'value="energie-renouvelable"')
    assertContains(response, 'value="prototypage"')
    assertContains(response, "<altcha-widget")
    assertContains(response, 'name="site_web_confirmation"')


def test_a_proposal_waits_for_moderation_and_is_published_nowhere(
    client, atlas, solve, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, solve)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("contributions:thanks"))
    proposal = Proposal.objects.get()
    assert proposal.status == Proposal.Status.PENDING
    assert proposal.payload["name"] == "Atelier partagé de Rezé"
    assert proposal.payload["commune_code"] == "44109"
    assert proposal.payload["themes"] == ["mobilite"]
    # Not a structure yet: absent from the database's structures, search, API and exports.
    assert not Structure.objects.filter(name="Atelier partagé de Rezé").exists()
    assertNotContains(client.get("/recherche/", {"q": "atelier reze"}), "Atelier partagé")
    api = client.get("/api/v1/structures", {"q": "atelier"}).json()
    assert all(item["name"] != "Atelier partagé de Rezé" for item in api["results"])
    export = client.get("/api/v1/exports/json").content.decode()
    assert "Atelier partagé" not in export
    # The moderators are told, once the checks passed.
    assert [m.bcc for m in mailoutbox] == [["moderatrice@maillage.test"]]
    assert "Atelier partagé de Rezé" in mailoutbox[0].subject
    assert f"/admin/contributions/proposal/{proposal.pk}/moderer/" in mailoutbox[0].body


def test_accepting_publishes_records_history_and_tells_the_proposer(
    client, atlas, solve, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    submit(client, solve)
    proposal = Proposal.objects.get()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        structure = proposal_accept(proposal=proposal, moderator=moderator)
    assert structure.status == Structure.Status.PUBLISHED
    assert structure.source.slug == "contributions"
    assert structure.commune_id == "44109"
    assert structure.geo_precision == Structure.GeoPrecision.COMMUNE
    assert structure.last_verified_at is not None
    assert sorted(t.slug for t in structure.themes.all()) == ["mobilite"]
    assert client.get(structure.get_absolute_url()).status_code == 200
    revision = StructureRevision.objects.get(structure=structure)
    assert revision.origin == StructureRevision.Origin.PROPOSAL
    assert revision.proposal == proposal
    assert revision.before is None
    assert revision.after["name"] == "Atelier partagé de Rezé"
    assert "name" in revision.changed_fields
    assert mailoutbox[0].bcc == ["alex@exemple.org"]
    assert "publiée" in mailoutbox[0].subject
    assert structure.get_absolute_url() in mailoutbox[0].body


def test_rejecting_needs_a_reason_and_sends_it(
    client, atlas, solve, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    submit(client, solve)
    proposal = Proposal.objects.get()
    mailoutbox.clear()
    with pytest.raises(Exception, match="motif"):
        proposal_reject(proposal=proposal, moderator=moderator, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_reject(proposal=proposal, moderator=moderator, reason="Structure fermée en 2023.")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED
    assert "Structure fermée en 2023." in mailoutbox[0].body
    assert not Structure.objects.filter(name="Atelier partagé de Rezé").exists()


def test_invalid_input_is_kept_and_each_error_is_next_to_its_field(client, atlas, solve):
    response = client.post(
        PROPOSE,
        proposal_data(name="", postcode="44", website="pas une adresse", commune="Nulle-Part"),
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert 'value="Un atelier de fabrication ouvert à tous."' in content
    assert 'value="44"' in content
    for field in ("name", "postcode", "website", "commune"):
        assert f'id="id_{field}_error"' in content
        assert f'aria-describedby="id_{field}_error"' in content or f'id_{field}_error"' in content
    assertContains(response, "Un code postal a 5 chiffres", status_code=400)
    assertContains(response, "Commune introuvable", status_code=400)
    assert 'aria-invalid="true"' in content
    assert Proposal.objects.count() == 0


def test_missing_challenge_is_refused_clearly_and_keeps_the_input(client, atlas, mailoutbox):
    response = client.post(PROPOSE, proposal_data())
    assert response.status_code == 400
    assertContains(response, "La vérification anti-robot n&#x27;a pas été faite", status_code=400)
    assertContains(response, 'value="Atelier partagé de Rezé"', status_code=400)
    assert Proposal.objects.count() == 0
    assert mailoutbox == []


def test_a_replayed_challenge_is_refused(client, atlas, solve):
    data = proposal_data()
    data["altcha"] = solve()
    assert client.post(PROPOSE, data).status_code == 302
    data["name"] = "Autre atelier"
    response = client.post(PROPOSE, data)
    assert response.status_code == 400
    assertContains(response, "a déjà servi", status_code=400)
    assert Proposal.objects.count() == 1


def test_a_forged_challenge_is_refused(client, atlas, solve):
    import base64

    payload = json.loads(base64.b64decode(solve()))
    payload["solution"]["counter"] += 1
    data = proposal_data(altcha=base64.b64encode(json.dumps(payload).encode()).decode())
    response = client.post(PROPOSE, data)
    assertContains(response, "a échoué", status_code=400)


def test_a_filled_honeypot_is_refused_and_nothing_is_sent(client, atlas, solve, mailoutbox):
    response = submit(client, solve, site_web_confirmation="https://spam.example")
    assert response.status_code == 400
    assertContains(response, "champ caché", status_code=400)
    assert Proposal.objects.count() == 0
    assert mailoutbox == []


def test_the_rate_limit_refuses_with_a_delay(client, atlas, settings):
    settings.CONTRIBUTION_RATE_LIMIT = 2
    for _attempt in range(2):
        assert client.post(PROPOSE, proposal_data(name="")).status_code == 400
    response = client.post(PROPOSE, proposal_data())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assertContains(response, "Trop d'envois", status_code=429)


def test_possible_duplicates_json(client, atlas):
    response = client.get(
        "/contribuer/doublons/", {"name": "fabrique communs", "commune": "Nantes"}
    )
    results = response.json()["results"]
    assert results[0]["name"] == "La Fabrique des communs"
    assert results[0]["same_commune"] is True
    assert results[0]["url"] == "/structures/la-fabrique-des-communs/"
    # A structure pending moderation is never suggested.
    pending = client.get("/contribuer/doublons/", {"name": "projet moderation"}).json()
    assert pending["results"] == []


def test_without_javascript_duplicates_are_shown_before_anything_is_sent(client, atlas, solve):
    data = proposal_data(name="La Fabrique des communs", commune="44109")
    data["altcha"] = solve()
    response = client.post(PROPOSE, data)
    assert response.status_code == 200
    assertContains(response, "Cette structure est peut-être déjà dans l'atlas")
    assertContains(response, 'href="/structures/la-fabrique-des-communs/"')
    assertContains(response, "Ma proposition ne correspond à aucune de ces fiches")
    assert Proposal.objects.count() == 0
    # Confirming sends it (the challenge was not consumed by the first round).
    data["not_duplicate"] = "on"
    assert client.post(PROPOSE, data).status_code == 302
    assert Proposal.objects.count() == 1


def test_nothing_typed_runs_in_another_visitors_browser(
    client, atlas, solve, moderator, admin_client, lenient_templates
):
    script = "<script>alert(1)</script>"
    response = submit(client, solve, name=f"Atelier {script}", message=script)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    page = admin_client.get(reverse("admin:contributions_proposal_moderate", args=[proposal.pk]))
    assert script not in page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()
    structure = proposal_accept(proposal=proposal, moderator=moderator)
    public = client.get(structure.get_absolute_url()).content.decode()
    assert script not in public


def test_a_correction_carries_only_the_changed_fields(client, atlas, solve, moderator):
    structure = atlas["accelerateur"]
    form = client.get(f"/structures/{structure.slug}/corriger/")
    assert form.status_code == 200
    assertContains(form, 'value="Énergies Ouest Accélérateur"')
    initial = form.context["form"].initial
    data = {
        key: value
        for key, value in initial.items()
        if value not in (None, "") and not isinstance(value, list)
    }
    for key in ("secondary_types", "themes", "formats", "audiences", "partner_kinds"):
        data[key] = initial[key]
    data["short_description"] = "Accélérateur, désormais ouvert aux projets de mobilité."
    data["altcha"] = solve()
    response = client.post(f"/structures/{structure.slug}/corriger/", data)
    assert response.status_code == 302, response.context["form"].errors
    proposal = Proposal.objects.get()
    assert proposal.kind == Proposal.Kind.CORRECTION
    assert proposal.payload == {
        "short_description": "Accélérateur, désormais ouvert aux projets de mobilité."
    }
    structure.refresh_from_db()
    assert structure.short_description.startswith("Programme d'accélération")
    proposal_accept(proposal=proposal, moderator=moderator)
    structure.refresh_from_db()
    assert structure.short_description == "Accélérateur, désormais ouvert aux projets de mobilité."
    assert structure.name == "Énergies Ouest Accélérateur"
    revision = StructureRevision.objects.get(proposal=proposal)
    assert "short_description" in revision.changed_fields
    assert revision.before["short_description"].startswith("Programme d'accélération")


def test_a_correction_that_changes_nothing_is_refused(client, atlas, solve):
    structure = atlas["hub"]
    initial = client.get(f"/structures/{structure.slug}/corriger/").context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, "") and not isinstance(v, list)}
    data["altcha"] = solve()
    response = client.post(f"/structures/{structure.slug}/corriger/", data)
    assertContains(response, "Vous n&#x27;avez rien modifié", status_code=400)


def test_moderation_page_compares_field_by_field_and_edit_then_accept(
    client, atlas, solve, admin_client, lenient_templates
):
    structure = atlas["accelerateur"]
    Proposal.objects.create(
        kind=Proposal.Kind.CORRECTION,
        structure=structure,
        payload={"acronym": "LFDC", "themes": ["mobilite"]},
        proposer_name="Camille",
    )
    proposal = Proposal.objects.get()
    url = reverse("admin:contributions_proposal_moderate", args=[proposal.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    rows = {row["title"]: row for row in page.context["rows"]}
    assert rows["Sigle"] == {"title": "Sigle", "before": "—", "after": "LFDC", "changed": True}
    assert rows["Thématiques"]["changed"]
    # The moderator edits the proposed value before accepting.
    form = page.context["form"]
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (None, "")}
    data["acronym"] = "EOA"
    data["action"] = "accept"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.acronym == "EOA"
    assert sorted(t.slug for t in structure.themes.all()) == ["mobilite"]
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert proposal.payload["acronym"] == "EOA"


def test_moderation_reject_from_the_admin(atlas, admin_client, lenient_templates):
    proposal = Proposal.objects.create(kind=Proposal.Kind.NEW, payload={"name": "Doublon"})
    url = reverse("admin:contributions_proposal_moderate", args=[proposal.pk])
    response = admin_client.post(url, {"action": "reject", "reason": ""})
    assertContains(response, "Indiquez le motif du refus")
    response = admin_client.post(url, {"action": "reject", "reason": "Doublon de la fiche X."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.REJECTED


def test_the_form_speaks_english(client, atlas, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(PROPOSE)
    assertContains(response, "Propose a structure")
    assertContains(response, "Name of the structure")
    assert "I'm not a robot" in response.content.decode()
