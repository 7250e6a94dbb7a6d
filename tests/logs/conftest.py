"""Fixtures of the log tests: the configured log handler writing into a buffer, and the
contribution tests' atlas, people and proof-of-work answers."""

import io
import json
import logging

import pytest

from tests.contributions.conftest import (  # noqa: F401  (fixtures)
    _contribution_settings,
    _strict_templates,
    atlas,
    moderator,
    solve,
    vocabularies,
)


class LogOutput:
    def __init__(self, buffer: io.StringIO):
        self.buffer = buffer

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict]:
        """Every line, parsed: each must be one JSON object."""
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def events(self, name: str) -> list[dict]:
        return [line for line in self.lines() if line.get("event") == name]


@pytest.fixture
def log_output():
    """What the handler configured in settings.LOGGING writes (its formatter and its
    redaction filter), captured instead of going to standard error."""
    handlers = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert handlers, "settings.LOGGING configures a 'console' handler on the root logger"
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield LogOutput(buffer)
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)
