"""Log formatters: one JSON object per line (the default), or readable text.

Both add the current request's id (set by maillage.logs.requests) and the fields given
with an event (maillage.logs.events), so a line can be tied to the request that caused it.
"""

from __future__ import annotations

import datetime
import json
import logging

from maillage.logs.redaction import STANDARD_ATTRIBUTES
from maillage.logs.requests import current_request_id

# Extras that are objects for other handlers (Django's request, the error's status code),
# not fields of the line.
_NOT_FIELDS = {"request", "status_code", "server_time"}


def record_fields(record: logging.LogRecord) -> dict:
    """The event name, the request id and the fields an event carried."""
    fields: dict = {}
    event = getattr(record, "event", None)
    if event:
        fields["event"] = event
    request_id = getattr(record, "request_id", None) or current_request_id()
    if request_id:
        fields["request_id"] = request_id
    for key in sorted(set(vars(record)) - STANDARD_ATTRIBUTES - _NOT_FIELDS):
        if key in ("event", "request_id", "data"):
            continue
        fields[key] = getattr(record, key)
    fields.update(getattr(record, "data", None) or {})
    return fields


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "event", "request_id", …fields, "exception"}"""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record_fields(record).items():
            line.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger message key=value…`, for reading in a terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{key}={value}" for key, value in record_fields(record).items())
        if not fields:
            return text
        head, newline, rest = text.partition("\n")
        return f"{head} {fields}{newline}{rest}"
