"""Domain events as log lines: a name and counts, never personal data.

    event("import.finished", created=12, updated=3, rejected=0)

Names: `import.finished`, `proposal.submitted|accepted|rejected`, `revision.reverted`,
`backup.created|restored`, `email.sent`, `reminders.sent`, `auth.login|login_failed|
login_throttled|logout`. Fields are counts, kinds and database ids; who (an e-mail, a name,
an address) is never given, and the redaction filter removes it if it were.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("maillage.events")


def event(name: str, *, level: int = logging.INFO, **fields) -> None:
    logger.log(level, name, extra={"event": name, "data": fields})


def _login_failed(sender, credentials, request=None, **kwargs):
    # The credentials (address, password) are the very thing not to log.
    event("auth.login_failed", level=logging.WARNING)


def _logged_in(sender, request, user, **kwargs):
    event("auth.login", user=user.pk)


def _logged_out(sender, request, user, **kwargs):
    event("auth.logout", user=getattr(user, "pk", None))


def connect_auth_signals() -> None:
    from django.contrib.auth import signals

    signals.user_login_failed.connect(_login_failed, dispatch_uid="maillage.logs.failed")
    signals.user_logged_in.connect(_logged_in, dispatch_uid="maillage.logs.login")
    signals.user_logged_out.connect(_logged_out, dispatch_uid="maillage.logs.logout")
