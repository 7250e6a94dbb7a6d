"""The e-mail digest: subscribe → confirm → digests of what is new for the filters →
unsubscribe → nothing more; nothing but the confirmation before confirmation."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from maillage.contributions.personal_data import person_erase
from maillage.following import services
from maillage.following.filters import FollowFilters
from maillage.following.models import Subscription
from maillage.following.personal_data import subscriptions_export
from maillage.structures.models import ResilienceInitiative, Structure
from tests.factories import StructureFactory
from tests.following.conftest import arrived

pytestmark = pytest.mark.django_db

EMAIL = "Lou.Lecteur@Exemple.org"


def subscribe(client, solve, **fields) -> object:
    data = {"email": EMAIL, "frequency": "daily", "altcha": solve(), **fields}
    return client.post(reverse("following:subscribe"), data)


def link_in(message, name: str) -> str:
    path = reverse(f"following:{name}", args=["TOKEN"]).replace("TOKEN/", "")
    match = re.search(rf"https://maillage\.test({re.escape(path)}[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def new_structure(name, when, terms, places, *, commune="nantes", type_="fablab", theme="mobilite"):
    structure = StructureFactory(main_type=terms[type_], commune=places[commune])
    structure.name = name
    structure.save(update_fields=["name"])
    structure.themes.set([terms[theme]])
    return arrived(structure, when)


@pytest.fixture
def confirmed(client, solve, atlas, django_capture_on_commit_callbacks):
    """Lou follows mobility in Pays de la Loire, daily, confirmed from the e-mail's link."""
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, solve, region="52", theme=["mobilite"])
    assert response.status_code == 200
    confirm_path = link_in(mail.outbox[-1], "confirm")
    assert client.post(confirm_path).status_code == 200
    mail.outbox.clear()
    return Subscription.objects.get()


def test_subscription_sends_only_a_confirmation_until_confirmed(
    client, solve, atlas, terms, places, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, solve, region="52", theme=["mobilite"])
    assert response.status_code == 200
    assert EMAIL in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lou.lecteur@exemple.org"]
    assert "Confirmez votre abonnement" in message.subject
    assert "Pays de la Loire · Mobilité" in message.body
    subscription = Subscription.objects.get()
    assert subscription.filters == {"region": ["52"], "theme": ["mobilite"]}
    assert not subscription.is_confirmed

    # Something new that matches, a day later: still nothing for an unconfirmed address.
    new_structure("Vélo-école de Nantes", dt.datetime.now(dt.UTC), terms, places)
    report = services.digests_send(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert report.sent == 0
    assert len(mail.outbox) == 1

    # Opening the link shows what would start; only the button confirms (mail scanners
    # that open links subscribe no one).
    confirm_path = link_in(message, "confirm")
    page = client.get(confirm_path)
    assert "Confirmer mon abonnement" in page.content.decode()
    subscription.refresh_from_db()
    assert not subscription.is_confirmed
    client.post(confirm_path)
    subscription.refresh_from_db()
    assert subscription.is_confirmed


def test_unconfirmed_subscriptions_are_removed_after_the_pending_delay(client, solve, atlas):
    subscribe(client, solve, theme=["sante"])
    Subscription.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    report = services.digests_send()
    assert report.pending_removed == 1
    assert not Subscription.objects.exists()


def test_digest_holds_the_new_matching_items_only_then_unsubscribe_stops_it(
    client, confirmed, atlas, terms, places
):
    start = confirmed.confirmed_at
    # After the confirmation: two structures that match, three that do not.
    new_structure("Vélo-école de Nantes", start + dt.timedelta(hours=1), terms, places)
    new_structure("Covoiturage & Cie <Saint-Nazaire>", start + dt.timedelta(hours=2), terms, places)
    new_structure(
        "Garage de Rennes", start + dt.timedelta(hours=1), terms, places, commune="rennes"
    )
    new_structure("Santé à Nantes", start + dt.timedelta(hours=1), terms, places, theme="sante")
    hidden = new_structure("Pas encore publiée", start + dt.timedelta(hours=1), terms, places)
    Structure.objects.filter(pk=hidden.pk).update(status=Structure.Status.PENDING)
    # A new initiative of a structure that matches, and one of a structure that does not.
    ResilienceInitiative.objects.create(structure=atlas["atelier"], title="Livraisons à vélo")
    ResilienceInitiative.objects.create(structure=atlas["garage"], title="Réparations à Rennes")

    day_after = start + dt.timedelta(days=1)
    report = services.digests_send(now=day_after)
    assert (report.sent, report.nothing_new) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lou.lecteur@exemple.org"]
    assert message.bcc == []
    assert message.subject == "[Maillage] 3 nouveautés pour Pays de la Loire · Mobilité"
    body = message.body
    # Newest first; special characters as typed (plain text e-mail).
    assert body.index("Covoiturage & Cie <Saint-Nazaire>") < body.index("Vélo-école de Nantes")
    assert "Livraisons à vélo" in body
    assert "Portée par Atelier partagé de Nantes (Fablab / makerspace) · Nantes (44)" in body
    for absent in (
        "Garage de Rennes",
        "Santé à Nantes",
        "Pas encore publiée",
        "Réparations à Rennes",
        "* Atelier partagé de Nantes",  # published before the confirmation
        "Visières imprimées en 3D",  # idem
    ):
        assert absent not in body
    unsubscribe_path = link_in(message, "unsubscribe")
    assert message.extra_headers["List-Unsubscribe"] == f"<https://maillage.test{unsubscribe_path}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The next day, nothing new: no e-mail.
    mail.outbox.clear()
    report = services.digests_send(now=day_after + dt.timedelta(days=1))
    assert (report.sent, report.nothing_new) == (0, 1)
    assert mail.outbox == []

    # Something new, then a one-click unsubscribe (RFC 8058: a POST with no CSRF token).
    new_structure("Autopartage de Rezé", day_after + dt.timedelta(days=1, hours=1), terms, places)
    client.handler.enforce_csrf_checks = True
    response = client.post(
        unsubscribe_path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Vous êtes désabonné" in response.content.decode()
    assert not Subscription.objects.filter(email="lou.lecteur@exemple.org").exists()
    report = services.digests_send(now=day_after + dt.timedelta(days=2))
    assert report.sent == 0
    assert mail.outbox == []
    # The link keeps saying so, without an error.
    again = client.get(unsubscribe_path)
    assert again.status_code == 200
    assert "Vous êtes désabonné" in again.content.decode()


def test_unsubscribe_page_asks_before_unsubscribing(client, confirmed):
    path = services.unsubscribe_url(confirmed).removeprefix("https://maillage.test")
    page = client.get(path)
    content = page.content.decode()
    assert page.status_code == 200
    assert "Me désabonner" in content
    assert "<script" not in content.split("<main", 1)[1]  # works without JavaScript
    assert Subscription.objects.filter(pk=confirmed.pk).exists()


def test_weekly_digest_waits_a_week(client, confirmed, atlas, terms, places):
    Subscription.objects.update(frequency=Subscription.Frequency.WEEKLY)
    start = confirmed.confirmed_at
    new_structure("Vélo-école de Nantes", start + dt.timedelta(hours=1), terms, places)
    first = services.digests_send(now=start + dt.timedelta(days=1))
    assert first.sent == 1
    new_structure("Autopartage de Rezé", start + dt.timedelta(days=2), terms, places)
    assert services.digests_send(now=start + dt.timedelta(days=3)).not_due == 1
    assert len(mail.outbox) == 1
    # A week after the first digest (the timer ran a few minutes early): sent.
    week_later = services.digests_send(now=start + dt.timedelta(days=8, minutes=-10))
    assert week_later.sent == 1
    assert "Autopartage de Rezé" in mail.outbox[1].body
    assert "Vélo-école de Nantes" not in mail.outbox[1].body


def test_send_digest_command(client, confirmed, atlas, terms, places):
    new_structure(
        "Vélo-école de Nantes",
        confirmed.confirmed_at - dt.timedelta(hours=2) + dt.timedelta(hours=1),
        terms,
        places,
    )
    Subscription.objects.update(items_since=confirmed.confirmed_at - dt.timedelta(hours=2))
    from io import StringIO

    out = StringIO()
    call_command("send_digest", "--dry-run", stdout=out)
    assert "would send 1 digest(s)" in out.getvalue()
    assert mail.outbox == []
    call_command("send_digest", stdout=out)
    assert "sent 1 digest(s)" in out.getvalue()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("name", ["confirm", "unsubscribe"])
def test_tampered_links_are_refused_with_a_clear_page(client, confirmed, name):
    url = (services.confirm_url if name == "confirm" else services.unsubscribe_url)(confirmed)
    path = url.removeprefix("https://maillage.test")
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = path.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))
    for response in (client.get(tampered), client.post(tampered)):
        assert response.status_code == 400
        content = response.content.decode()
        assert "Lien non valable" in content
        assert "a été modifié ou a expiré" in content
    # A link of one kind does not work as the other.
    other = (services.unsubscribe_url if name == "confirm" else services.confirm_url)(confirmed)
    swapped = path.replace(token, other.rstrip("/").rsplit("/", 1)[1])
    assert client.post(swapped).status_code == 400
    assert Subscription.objects.filter(pk=confirmed.pk).exists()


def test_form_needs_a_filter_and_the_anti_robot_check(
    client, solve, atlas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        no_filter = subscribe(client, solve)
        no_challenge = client.post(
            reverse("following:subscribe"),
            {"email": EMAIL, "frequency": "daily", "theme": ["sante"]},
        )
        bad_commune = subscribe(client, solve, commune="Nulle-Part-sur-Mer")
    assert no_filter.status_code == 400
    assert "Choisissez au moins un territoire" in no_filter.content.decode()
    assert no_challenge.status_code == 400
    assert "vérification anti-robot" in no_challenge.content.decode()
    assert bad_commune.status_code == 400
    assert "Commune introuvable" in bad_commune.content.decode()
    assert 'value="Nulle-Part-sur-Mer"' in bad_commune.content.decode()  # nothing lost
    assert mail.outbox == []
    assert not Subscription.objects.exists()


def test_subscribing_twice_sends_a_reminder_not_a_second_subscription(
    client, solve, confirmed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, solve, region="52", theme=["mobilite"])
    assert Subscription.objects.count() == 1
    assert "Vous suivez déjà" in mail.outbox[-1].subject


def test_personal_data_export_and_erasure_include_the_subscription(client, confirmed):
    exported = subscriptions_export(email="LOU.lecteur@exemple.org ")
    assert len(exported) == 1
    assert exported[0]["email"] == "lou.lecteur@exemple.org"
    assert exported[0]["filters"] == {"region": ["52"], "theme": ["mobilite"]}
    assert exported[0]["description"] == "Pays de la Loire · Mobilité"
    assert exported[0]["confirmed_at"]
    person_erase(email="lou.lecteur@exemple.org")
    assert not Subscription.objects.exists()
    assert subscriptions_export(email="lou.lecteur@exemple.org") == []


def test_stored_filters_survive_a_deleted_value(confirmed, terms):
    terms["mobilite"].delete()
    filters = FollowFilters.from_stored(confirmed.filters)
    assert filters.region == ("52",)
    assert filters.theme == ()


def test_a_long_digest_lists_thirty_items_per_kind_and_links_to_the_rest(
    client, confirmed, terms, places
):
    start = confirmed.confirmed_at
    for number in range(33):
        new_structure(
            f"Atelier numéro {number:02d}", start + dt.timedelta(minutes=number + 1), terms, places
        )
    services.digests_send(now=start + dt.timedelta(days=1))
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "[Maillage] 33 nouveautés pour Pays de la Loire · Mobilité"
    assert body.count("\n* Atelier numéro") == 30
    assert "* Atelier numéro 32" in body  # the newest are listed
    assert "* Atelier numéro 02" not in body
    assert (
        "Et 3 autres : https://maillage.test/flux/structures.atom?region=52&theme=mobilite" in body
    )


def test_digest_in_the_subscribers_language(client, confirmed, terms, places):
    Subscription.objects.update(language="en")
    new_structure(
        "Vélo-école de Nantes", confirmed.confirmed_at + dt.timedelta(hours=1), terms, places
    )
    services.digests_send(now=confirmed.confirmed_at + dt.timedelta(days=1))
    message = mail.outbox[0]
    assert message.subject == "[Maillage] 1 new item for Pays de la Loire · Mobility"
    assert "== New structures ==" in message.body
    assert "Themes: Mobility" in message.body
    assert "Unsubscribe in one click:" in message.body
