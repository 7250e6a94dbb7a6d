"""The full published data as downloadable files, written once per version of the data.

A version names the state of the published data (how many structures, the latest change);
its files live in DATA_DIR/exports/<version>/ and never change, so they can be served with a
long cache by any HTTP cache or CDN. A new version is written on the first request after
the data changed; each file is written beside its final name then renamed, so a reader never
sees half a file, and several processes writing the same version at once is harmless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max

from maillage.exports.table_schema import table_schema
from maillage.exports.writers import CONTENT_TYPES, FORMATS, export_structures
from maillage.release import release
from maillage.structures.models import Structure

FILE_STEM = "maillage-structures"
SCHEMA_NAME = f"{FILE_STEM}.schema.json"


@dataclass(frozen=True)
class PublishedFile:
    name: str
    format: str
    size: int
    written_at: dt.datetime
    content_type: str


def exports_root() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def data_version() -> str:
    """A short name for the current state of the published data."""
    state = Structure.objects.published().aggregate(
        count=Count("pk"), latest=Max("updated_at"), last=Max("pk")
    )
    latest = state["latest"].isoformat() if state["latest"] else ""
    # The release too: a new release may write other columns from the same data.
    key = f"{state['count']}|{latest}|{state['last']}|{release()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _write_atomically(folder: Path, name: str, write) -> None:
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(temporary, folder / name)
    finally:
        Path(temporary).unlink(missing_ok=True)


def published_files_write(*, version: str) -> Path:
    """Write every format and the Table Schema of the current data; return their folder."""
    folder = exports_root() / version
    folder.mkdir(parents=True, exist_ok=True)
    for format_name in FORMATS:
        name = f"{FILE_STEM}.{format_name}"
        if not (folder / name).exists():
            _write_atomically(
                folder,
                name,
                lambda stream, f=format_name: export_structures(
                    queryset=Structure.objects.published(), format=f, stream=stream
                ),
            )
    if not (folder / SCHEMA_NAME).exists():
        schema = json.dumps(table_schema(), ensure_ascii=False, indent=2).encode()
        _write_atomically(folder, SCHEMA_NAME, lambda stream: stream.write(schema))
    # Older versions are no longer linked from anywhere.
    for old in exports_root().iterdir():
        if old.is_dir() and old.name != version:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def published_files() -> tuple[str, list[PublishedFile]]:
    """(version, files) of the current data, writing them first when the data changed."""
    version = data_version()
    folder = exports_root() / version
    expected = [f"{FILE_STEM}.{f}" for f in FORMATS] + [SCHEMA_NAME]
    if not all((folder / name).exists() for name in expected):
        published_files_write(version=version)
    files = []
    for name in expected:
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
    return version, files


def published_file_path(*, version: str, name: str) -> Path | None:
    """The path of a published file, or None; names come from a fixed list, never a path."""
    expected = {f"{FILE_STEM}.{f}" for f in FORMATS} | {SCHEMA_NAME}
    if name not in expected or not version.isalnum():
        return None
    path = exports_root() / version / name
    return path if path.is_file() else None
