"""The insights of every published structure, computed off the request and kept on disk.

/enseignements/ opens on the analyses of the whole atlas (no filter, the default distance
and coverage type): at national scale, 10 s of CPU and a minute over HTTP on a busy
machine, which gunicorn does not wait for. So, as the downloads of /donnees/ are
(maillage.exports.published), they are computed by one worker of the machine in a thread
(maillage.background) whenever the data version changed, and kept in
DATA_DIR/insights/<version>.pickle, written beside its final name then renamed. The page,
its CSV tables and its JSON serve the newest kept result and say when it was computed and,
when the data changed since, that a new computation is under way; a visit starts it, and
starts it again when a writer died (a minute after, in the same process).

What is kept is what those answers read (maillage.analyses.dashboard.insights_lighten: the
tables, coverage, openness, resilience and a few counts, not the structures), once per
language, since the tables' captions and the vocabularies' labels are translated when they
are computed. The file holds nothing personal: only counts and what the public pages show.
Filtered views are still computed in the request.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation

from maillage.analyses.dashboard import Insights, insights_build, insights_lighten
from maillage.analyses.selection import selection_load
from maillage.background import (
    BackgroundWork,
    held_elsewhere,
    machine_lock,
    newest_first,
    read_snapshot,
    work_version,
)
from maillage.structures.filters import StructureFilters

logger = logging.getLogger(__name__)

_LOCK_NAME = ".writing.lock"
_SUFFIX = ".pickle"
_FORMAT = 1  # of the file: a release that changes what is kept changes the version anyway
# A writer that failed is started again by a visit of this process this long after.
RETRY_SECONDS = 60


@dataclass(frozen=True)
class Kept:
    """The newest analyses kept, in one language; insights None when none was ever kept."""

    insights: Insights | None
    computed_at: dt.datetime | None
    # They hold the data as it is now (False: it changed since they were computed).
    current: bool
    # A new computation is under way (in this process or another).
    computing: bool


def kept_root() -> Path:
    return Path(settings.DATA_DIR) / "insights"


def _path(version: str) -> Path:
    return kept_root() / f"{version}{_SUFFIX}"


def _kept_paths() -> list[Path]:
    """The kept results, newest first."""
    return newest_first(kept_root(), lambda path: path.name.endswith(_SUFFIX))


def _lock(*, wait: bool, tries: int = 1):
    """The machine's one computer of the kept insights."""
    return machine_lock(kept_root() / _LOCK_NAME, wait=wait, tries=tries)


def insights_write(*, wait: bool = True) -> Path | None:
    """Compute the analyses of every published structure, in every language, and keep them
    under the current data version; return their file. Results older than the previous
    one are removed. Another writer of the machine is waited for, or with wait off, left
    to it (None)."""
    # The other probing the lock (a visit of the page) holds it for an instant.
    with _lock(wait=wait, tries=20) as acquired:
        if not acquired:
            return None
        started = time.perf_counter()
        # One snapshot of the data for every figure, with the version it is kept under.
        with read_snapshot():
            version = work_version()
            path = _path(version)
            if path.is_file():
                return path
            computed_at = timezone.now()
            filters = StructureFilters()
            selection = selection_load(filters=filters)
            languages = {}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    insights = insights_build(filters=filters, selection=selection)
                languages[code] = replace(insights_lighten(insights), generated_at=computed_at)
            del selection, insights
        document = {
            "format": _FORMAT,
            "version": version,
            "computed_at": computed_at,
            "languages": languages,
        }
        handle, temporary = tempfile.mkstemp(dir=kept_root(), prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(document, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        # The previous result stays for a process that is reading it.
        for old in _kept_paths()[2:]:
            old.unlink(missing_ok=True)
        logger.info(
            "insights.kept",
            extra={"version": version, "seconds": round(time.perf_counter() - started, 1)},
        )
        return path


# (path, mtime in ns) → the document read from it: a process reads each result once.
_read: dict[tuple[str, int], dict] = {}
_read_guard = threading.Lock()


def _load(path: Path) -> dict | None:
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        return None
    with _read_guard:
        document = _read.get(key)
    if document is not None:
        return document
    try:
        with open(path, "rb") as stream:
            # Written by insights_write only, in the data folder (as Django's file cache
            # pickles its entries): nothing from outside is ever read here.
            document = pickle.load(stream)  # noqa: S301
    except FileNotFoundError:  # removed since it was listed
        return None
    except Exception:  # unreadable (another release's classes): as if never kept
        logger.exception("insights.kept_unreadable", extra={"path": str(path)})
        return None
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        return None
    with _read_guard:
        _read.clear()  # only the newest is served
        _read[key] = document
    return document


def _write_in_background() -> None:
    insights_write(wait=False)


_writer = BackgroundWork("insights-writer", _write_in_background)


def insights_computing() -> bool:
    """Whether a writer of the machine is at work (this process's or another's)."""
    return _writer.running() is not None or held_elsewhere(kept_root() / _LOCK_NAME)


def _start(version: str) -> bool:
    """Start this process's writer for version unless a writer is at work, or this one
    failed on the same version less than RETRY_SECONDS ago; whether one is at work."""
    return _writer.start_unless_at_work(
        version, lock=kept_root() / _LOCK_NAME, retry_seconds=RETRY_SECONDS
    )


def insights_start() -> None:
    """Start computing the current data's analyses in the background, unless they are kept
    or being computed (maillage.derived_data, after a change)."""
    version = work_version()
    if not _path(version).is_file():
        _start(version)


def _in_language(document: dict, computing: bool, current: bool) -> Kept:
    languages = document["languages"]
    code = translation.get_language() or settings.LANGUAGE_CODE
    insights = languages.get(code) or languages.get(code.split("-")[0])
    if insights is None:
        insights = languages[settings.LANGUAGE_CODE]
    return Kept(insights, document["computed_at"], current=current, computing=computing)


def insights_kept() -> Kept:
    """The newest analyses kept of every published structure, in the active language, and
    whether they hold the current data; when they do not, the current version is computed
    in the background (or at once where INSIGHTS_IN_BACKGROUND is off)."""
    version = work_version()
    document = _load(_path(version))
    if document is not None:
        return _in_language(document, computing=False, current=True)
    if not settings.INSIGHTS_IN_BACKGROUND:
        path = insights_write()
        document = _load(path)
        return _in_language(document, computing=False, current=True)
    computing = _start(version)
    for path in _kept_paths():
        document = _load(path)
        if document is not None:  # (the current one, if written since it was looked for)
            current = document["version"] == version
            return _in_language(document, computing=computing and not current, current=current)
    return Kept(None, None, current=False, computing=computing)
