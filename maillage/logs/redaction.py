"""Redaction of personal data and secrets from log records.

Applied by the handlers (settings.LOGGING) to every record, from Maillage, Django or
gunicorn alike: the message with its arguments, every extra value, and the traceback.
What looks like an e-mail address, a phone number, an IP address, a password or token
given as `key=value`, a Django token or a signed value is replaced by a placeholder.
"""

from __future__ import annotations

import logging
import re
from typing import Any

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# French numbers (01 23 45 67 89, 06.12.34.56.78, +33 6 12 34 56 78, 0033…) and other
# international ones (+44 20 7946 0958): digits in groups after a + or a leading 0.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s.-]?(?:\(0\))?[\s.-]?\d(?:[\s.-]?\d){6,12}"
    r"|0[1-9](?:[\s.-]?\d{2}){4})(?![\w])"
)
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
    r"|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)"
    r"(?![\w:])",
    re.IGNORECASE,
)
CONFIDENTIAL_NAMES = (
    r"password|passwd|pwd|mot[_ -]de[_ -]passe|secret|token|api[_-]?key|authorization"
    r"|session(?:id|_key)?|csrftoken|csrfmiddlewaretoken|cookie|altcha"
)
# `password=…`, `token: …`, `"sessionid": "…"`, `Cookie: sessionid=…; csrftoken=…`.
SECRET_VALUE = re.compile(
    rf"(?i)(\b(?:{CONFIDENTIAL_NAMES})\b[\"']?\s*[=:]\s*[\"']?)([^\s&,;\"']+)",
)
# Django's password-reset and activation tokens (base-36 timestamp, dash, hex digest) and
# values signed with django.core.signing (payload:timestamp:signature).
DJANGO_TOKEN = re.compile(r"(?<![\w-])[0-9a-z]{1,13}-[0-9a-f]{20,}(?![\w-])")
SIGNED_VALUE = re.compile(r"[\w-]{8,}:[\w-]{4,}:[\w-]{20,}")

REDACTED = "[redacted]"
# Extra fields whose value is a secret or personal whatever it looks like.
SENSITIVE_KEY = re.compile(
    rf"(?i)({CONFIDENTIAL_NAMES}|e-?mail|courriel|phone|telephone|ip|address|remote_addr|username)"
)


def redact(text: str) -> str:
    """text with personal data and secrets replaced by placeholders."""
    text = SECRET_VALUE.sub(lambda m: m.group(1) + REDACTED, text)
    text = SIGNED_VALUE.sub("[token]", text)
    text = DJANGO_TOKEN.sub("[token]", text)
    text = EMAIL.sub("[email]", text)
    text = IPV6.sub("[ip]", text)
    text = IPV4.sub("[ip]", text)
    return PHONE.sub("[phone]", text)


def redact_value(value: Any, key: str = "") -> Any:
    """A copy of an extra value (str, number, list, dict…) with its strings redacted."""
    if key and SENSITIVE_KEY.fullmatch(key):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if hasattr(value, "method") and hasattr(value, "path"):  # Django's HttpRequest
        # Its repr carries the query string; method and path say which request it was.
        return f"{value.method} {redact(value.path)}"
    return redact(str(value))


# Attributes every LogRecord has; anything else was given as `extra`.
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RedactPersonalData(logging.Filter):
    """Rewrites each record in place: message (arguments merged in), extras, traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: keep what was logged
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        for key in set(vars(record)) - STANDARD_ATTRIBUTES:
            setattr(record, key, redact_value(getattr(record, key), key))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
