"""Every page carries a Content-Security-Policy without inline scripts; only the map's embed
route may be framed by other sites."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    parts = [p.strip() for p in response["Content-Security-Policy"].split(";") if p.strip()]
    return dict(part.split(" ", 1) for part in parts)


@pytest.mark.parametrize(
    "url",
    [
        reverse("web:home"),
        reverse("web:search") + "?q=fablab",
        reverse("web:data"),
        reverse("map:map"),
        "/api/v1/docs",
    ],
)
def test_pages_forbid_inline_scripts_and_framing(client, url, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    response = client.get(url)
    assert response.status_code == 200
    directives = policy(response)
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_inline_scripts_carry_the_response_nonce(client):
    response = client.get(reverse("map:map"))
    nonce = policy(response)["script-src"].split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    inline = html.count('<script type="importmap"') + html.count('<script type="module" nonce')
    assert inline == 2
    assert html.count(f'nonce="{nonce}"') == inline


def test_only_the_embed_may_be_framed(client):
    response = client.get(reverse("map:embed"))
    assert policy(response)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in response
