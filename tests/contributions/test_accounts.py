"""Accounts: styled login and logout, throttled logins, sign-up and password reset that
never say whether an address has an account."""

import pytest
from django.core import mail
from pytest_django.asserts import assertContains

from tests.contributions.conftest import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


def test_login_and_logout(client, atlas):
    make_user("camille@exemple.org", password="un-mot-de-passe-long")
    page = client.get(LOGIN)
    assertContains(page, "Adresse e-mail")
    assertContains(page, 'class="auth-card')
    response = client.post(
        LOGIN, {"username": "Camille@Exemple.org", "password": "un-mot-de-passe-long"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/compte/"
    account = client.get("/compte/")
    assertContains(account, "camille@exemple.org")
    assertContains(client.get("/"), 'href="/compte/"')
    response = client.post("/compte/deconnexion/")
    assertContains(response, "Vous êtes déconnecté")


def test_login_failure_is_the_same_for_known_and_unknown_addresses(client, atlas):
    make_user("camille@exemple.org")
    known = client.post(LOGIN, {"username": "camille@exemple.org", "password": "faux"})
    unknown = client.post(LOGIN, {"username": "personne@exemple.org", "password": "faux"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_logins_are_throttled_per_account_and_address(client, atlas, settings):
    settings.LOGIN_RATE_LIMIT = 3
    make_user("camille@exemple.org")
    for _attempt in range(3):
        client.post(LOGIN, {"username": "camille@exemple.org", "password": "faux"})
    response = client.post(
        LOGIN, {"username": "camille@exemple.org", "password": "un-mot-de-passe-long"}
    )
    assert response.status_code == 429
    assertContains(response, "Trop de tentatives de connexion", status_code=429)
    assert "_auth_user_id" not in client.session
    # Another address trying the same account is throttled as well.
    other = client.__class__(REMOTE_ADDR="203.0.113.9")
    response = other.post(LOGIN, {"username": "camille@exemple.org", "password": "x"})
    assert response.status_code == 429


def test_password_reset_does_not_reveal_accounts(client, atlas):
    make_user("camille@exemple.org")
    known = client.post("/compte/mot-de-passe/", {"email": "camille@exemple.org"})
    unknown = client.post("/compte/mot-de-passe/", {"email": "personne@exemple.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/compte/mot-de-passe/envoye/"
    assert [m.to for m in mail.outbox] == [["camille@exemple.org"]]
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/compte/mot-de-passe/" in line
    )
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "une-phrase-tres-longue", "new_password2": "une-phrase-tres-longue"},
    )
    assert response.status_code == 302
    assert client.login(username="camille@exemple.org", password="une-phrase-tres-longue")


def test_signup_is_confirmed_by_mail_and_does_not_reveal_accounts(
    client, atlas, django_capture_on_commit_callbacks
):
    make_user("camille@exemple.org")
    data = {
        "first_name": "Dom",
        "last_name": "Test",
        "password1": "une-phrase-tres-longue",
        "password2": "une-phrase-tres-longue",
    }
    with django_capture_on_commit_callbacks(execute=True):
        existing = client.post("/compte/inscription/", {**data, "email": "camille@exemple.org"})
        new = client.post("/compte/inscription/", {**data, "email": "dom@exemple.org"})
    assert existing.content.replace(b"\n", b"").count(b"messagerie") == new.content.replace(
        b"\n", b""
    ).count(b"messagerie")
    assert existing.status_code == new.status_code == 200
    assert "déjà un compte" in mail.outbox[0].subject
    link = next(line for line in mail.outbox[1].body.splitlines() if "/compte/activer/" in line)
    assert not client.login(username="dom@exemple.org", password="une-phrase-tres-longue")
    assertContains(client.get(link.replace("https://maillage.test", "")), "Votre compte est activé")
    assert client.login(username="dom@exemple.org", password="une-phrase-tres-longue")
