"""Structures not verified for twelve months: a visible marker and reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from maillage.contributions.selectors import stale_structures, structure_is_stale
from maillage.structures.models import Structure

pytestmark = pytest.mark.django_db


def test_stale_selector_and_marker(client, atlas):
    fabrique = atlas["fabrique"]
    assertNotContains(client.get(fabrique.get_absolute_url()), "data-stale")
    long_ago = timezone.now() - dt.timedelta(days=400)
    Structure.objects.filter(pk=fabrique.pk).update(last_verified_at=long_ago)
    fabrique.refresh_from_db()
    assert structure_is_stale(fabrique)
    assert fabrique in stale_structures()
    assert atlas["accelerateur"] not in stale_structures(
        now=atlas["accelerateur"].last_verified_at + dt.timedelta(days=30)
    )
    page = client.get(fabrique.get_absolute_url())
    assertContains(page, "À actualiser")
    assertContains(page, "data-stale")


def test_managers_are_reminded_once_a_month(atlas, manager):
    Structure.objects.filter(pk=atlas["fabrique"].pk).update(
        last_verified_at=timezone.now() - dt.timedelta(days=400)
    )
    call_command("remind_stale")
    assert [m.bcc for m in mail.outbox] == [["direction@fabrique-des-communs.example"]]
    assert "/structures/la-fabrique-des-communs/modifier/" in mail.outbox[0].body
    call_command("remind_stale")
    assert len(mail.outbox) == 1
