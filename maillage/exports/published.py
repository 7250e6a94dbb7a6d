"""The full published data as downloadable files, written once per version of the data.

A version names the state of the data (the token the database changes with every write of
public data, maillage.structures.data_version) and the release; its files live in
DATA_DIR/exports/<version>/ and never change, so they can be served with a long cache by
any HTTP cache or CDN.

Writing them takes minutes at national scale (100,000 structures: four formats of 100 to
200 MB each), so it never happens while a visitor waits: the data page lists the newest
version written, says when it was written and whether the data changed since, and a
visit after a change starts writing the new version in a thread of its own. One version
is written at a time on the machine (a lock file shared by every process), at most every
PUBLISHED_FILES_INTERVAL seconds after the previous one, in one read of the structures for
the four formats. Each file is written beside its final name then renamed, so a reader
never sees half a file; the version before the newest is kept too, for the downloads of a
page loaded before the switch. `maillage publish_files` writes the current version at once
(for a scheduler, and on first start by load_default_data).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from maillage.background import BackgroundWork, held_elsewhere, machine_lock, work_version
from maillage.exports.table_schema import table_schema
from maillage.exports.writers import CONTENT_TYPES, FORMATS, export_formats
from maillage.structures.models import Structure

logger = logging.getLogger(__name__)

FILE_STEM = "maillage-structures"
SCHEMA_NAME = f"{FILE_STEM}.schema.json"
EXPECTED = (*(f"{FILE_STEM}.{f}" for f in FORMATS), SCHEMA_NAME)
_LOCK_NAME = ".writing.lock"
_GENERATION = ".generation"
_RETRY_SECONDS = 60


@dataclass(frozen=True)
class PublishedFile:
    name: str
    format: str
    size: int
    written_at: dt.datetime
    content_type: str


@dataclass(frozen=True)
class Published:
    """The files to offer: version None when none was ever written."""

    version: str | None
    files: list[PublishedFile]
    # The files hold the data as it is now (False: it changed since they were written).
    current: bool
    # A newer version is being written (by this process or another).
    writing: bool
    # When not writing, out of date: when a visit will start writing the next version.
    next_at: dt.datetime | None = None


def exports_root() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in EXPECTED)


def _written_versions() -> list[Path]:
    """The folders of the versions whose files are all written, newest first."""
    root = exports_root()
    if not root.is_dir():
        return []
    written = []
    for folder in root.iterdir():
        if folder.is_dir() and not folder.name.startswith(".") and _complete(folder):
            try:  # removed meanwhile by a withdrawal or another writer's clean-up
                written.append(((folder / SCHEMA_NAME).stat().st_mtime, folder))
            except FileNotFoundError:
                continue
    return [folder for _mtime, folder in sorted(written, reverse=True)]


def _writing_lock(*, wait: bool, tries: int = 1):
    """The machine's one writer of published files."""
    return machine_lock(exports_root() / _LOCK_NAME, wait=wait, tries=tries)


def _generation() -> str:
    """Changed by every withdrawal: a version whose writing began under another one read
    data that may hold what was withdrawn."""
    try:
        return (exports_root() / _GENERATION).read_text()
    except FileNotFoundError:
        return ""


def published_files_write(*, wait: bool = True) -> Path | None:
    """Write every format and the Table Schema of the current data (in one read of the
    structures); return their folder. Versions older than the previous one are removed.

    Another writer of the machine is waited for, or with wait off, left to it (None)."""
    # The other probing the lock (a visit of the page) holds it for an instant.
    with _writing_lock(wait=wait, tries=20) as acquired:
        if not acquired:
            return None
        root = exports_root()
        for _attempt in range(3):
            generation = _generation()
            folder = root / work_version()
            folder.mkdir(parents=True, exist_ok=True)
            if not _complete(folder):
                _write_version(folder)
            if _generation() == generation:
                break
            # Withdrawn while it was written: it may hold what was withdrawn.
            shutil.rmtree(folder, ignore_errors=True)
        else:
            raise RuntimeError("published files withdrawn again and again while written")
        # The previous version stays for a page loaded before this one was written.
        kept = {folder.name, *(f.name for f in _written_versions()[:2])}
        for old in root.iterdir():
            if old.is_dir() and old.name not in kept:
                shutil.rmtree(old, ignore_errors=True)
        return folder


def _write_version(folder: Path) -> None:
    names = {f: f"{FILE_STEM}.{f}" for f in FORMATS}
    with ExitStack() as stack:
        temporary = {}
        for format_name, name in names.items():
            handle, path = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            stack.callback(Path(path).unlink, missing_ok=True)
            temporary[format_name] = (stack.enter_context(os.fdopen(handle, "wb")), path)
        export_formats(
            queryset=Structure.objects.published(),
            streams={f: stream for f, (stream, _path) in temporary.items()},
        )
        for format_name, (stream, path) in temporary.items():
            stream.close()
            os.replace(path, folder / names[format_name])
    schema = json.dumps(table_schema(), ensure_ascii=False, indent=2).encode()
    handle, path = tempfile.mkstemp(dir=folder, prefix=f".{SCHEMA_NAME}.", suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(schema)
    os.replace(path, folder / SCHEMA_NAME)  # last: the version is complete


def published_files_withdraw() -> None:
    """Remove every version written, at once: after personal data is erased, no file may
    still offer it. A writer busy with a version loses its folder and fails (its files were
    read before the erasure); the next visit of the data page starts the new version at
    once, whatever the interval."""
    root = exports_root()
    if not root.is_dir():
        return
    # First, so that a writer that began before sees it when it ends, whatever this finds.
    marker = root / _GENERATION
    temporary = marker.with_name(f"{_GENERATION}.{os.getpid()}.tmp")
    temporary.write_text(uuid.uuid4().hex)
    os.replace(temporary, marker)

    def failed(function, path, error) -> None:
        logger.error("published_files.withdraw_failed", extra={"path": str(path)})

    for folder in root.iterdir():
        if folder.is_dir():
            shutil.rmtree(folder, onerror=failed)
    logger.info("published_files.withdrawn")


def _write_in_background() -> None:
    published_files_write(wait=False)


_writer = BackgroundWork("published-files", _write_in_background)


def published_files_writing() -> threading.Thread | None:
    """The thread of this process writing a version, if one is."""
    return _writer.running()


def _files(folder: Path) -> list[PublishedFile]:
    files = []
    for name in EXPECTED:
        stat = (folder / name).stat()
        format_name = "schema" if name == SCHEMA_NAME else name.rsplit(".", 1)[1]
        files.append(
            PublishedFile(
                name=name,
                format=format_name,
                size=stat.st_size,
                written_at=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC),
                content_type=CONTENT_TYPES.get(format_name, "application/json"),
            )
        )
    return files


def published_files() -> Published:
    """The newest files written, and whether they hold the current data; when they do not,
    the current version is written in the background (or at once where
    PUBLISHED_FILES_IN_BACKGROUND is off)."""
    version = work_version()
    folder = exports_root() / version
    if _complete(folder):
        return Published(version, _files(folder), current=True, writing=False)
    if not settings.PUBLISHED_FILES_IN_BACKGROUND:
        folder = published_files_write()
        return Published(folder.name, _files(folder), current=True, writing=False)
    written = _written_versions()
    newest = written[0] if written else None
    last = max((newest / SCHEMA_NAME).stat().st_mtime if newest else 0.0, _writer.started_at)
    next_at = dt.datetime.fromtimestamp(last + settings.PUBLISHED_FILES_INTERVAL, tz=dt.UTC)
    writing = published_files_writing() is not None or held_elsewhere(exports_root() / _LOCK_NAME)
    # With nothing to offer (a first start, files withdrawn), no interval is waited, only
    # a minute after a write that failed.
    now = dt.datetime.now(dt.UTC)
    if newest is None:
        next_at = dt.datetime.fromtimestamp(_writer.started_at + _RETRY_SECONDS, tz=dt.UTC)
    if not writing and next_at <= now:
        _writer.start()
        writing = True
    if newest is not None:
        try:
            return Published(
                newest.name, _files(newest), current=False, writing=writing, next_at=next_at
            )
        except FileNotFoundError:  # withdrawn or cleaned up since it was listed
            pass
    return Published(None, [], current=False, writing=writing)


def published_file_path(*, version: str, name: str) -> Path | None:
    """The path of a published file, or None; names come from a fixed list, never a path."""
    if name not in EXPECTED or not version.isalnum():
        return None
    folder = exports_root() / version
    # Only the files of a version all written (none of one being withdrawn).
    return folder / name if _complete(folder) else None
