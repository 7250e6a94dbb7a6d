"""Accounts: sign-up confirmed from the mailbox, and login throttling in the shared cache.

Nothing here tells a visitor whether an address has an account: sign-up answers the same
either way (the mailbox receives the explanation), and a throttled login refuses with the
same message whether the account exists or not.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from maillage.api.rate_limit import client_address, hit
from maillage.contributions import notifications
from maillage.logs.events import event


def account_signup(*, email: str, first_name: str, last_name: str, password: str) -> None:
    """Create an inactive account and send its activation link; when the address already
    has an account, send that mailbox a reminder instead (the visitor sees the same page)."""
    User = get_user_model()
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        transaction.on_commit(
            lambda: notifications.send(
                template="account_exists",
                to=[email],
                context={
                    "login_url": notifications.absolute_url(reverse("contributions:login")),
                    "reset_url": notifications.absolute_url(
                        reverse("contributions:password_reset")
                    ),
                },
            )
        )
        return
    user = User(
        username=email, email=email, first_name=first_name, last_name=last_name, is_active=False
    )
    user.set_password(password)
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = notifications.absolute_url(reverse("contributions:activate", args=[uid, token]))
    transaction.on_commit(
        lambda: notifications.send(template="account_activate", to=[email], context={"url": link})
    )


def account_activate(*, uidb64: str, token: str):
    """The activated user, or None when the link is invalid or was already used."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not default_token_generator.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def login_throttled(request: HttpRequest, username: str) -> int:
    """Count a login attempt; seconds to wait when the address or the account is over the
    limit, else 0. Counted per address and per account, so neither a single client nor a
    distributed attack on one account gets many tries."""
    limit = settings.LOGIN_RATE_LIMIT
    window = settings.LOGIN_RATE_WINDOW_SECONDS
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    by_address, reset_address = hit(
        scope="login-address", client=client_address(request), limit=limit, window=window
    )
    by_account, reset_account = hit(
        scope="login-account", client=account, limit=limit, window=window
    )
    waits = [
        reset
        for count, reset in ((by_address, reset_address), (by_account, reset_account))
        if count > limit
    ]
    wait = max(waits, default=0)
    if wait:
        event("auth.login_throttled", retry_after=wait)
    return wait
