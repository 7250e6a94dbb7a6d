"""The map's payload, written off the request and kept on disk, once per data version.

At national scale, building the payload of /carte/ (every placed published structure,
maillage.structures.map_data) takes 1.3 s of a quiet machine and 2 to 3 s under load; it was
built in the request of the first visitor after any change of the data (an import, a
moderated edit), by each server process for itself (Django's cache is each process's
memory). Now, as the downloads of /donnees/ and the insights are (maillage.background), one
writer of the machine builds it in a thread whenever the data changed, in one snapshot of
the data, and keeps it in DATA_DIR/map/<version>/: the JSON, its gzip, and the primary keys
of its points in payload order (what a selection's bitset is over). A version is written in
a folder beside, then renamed: a reader sees all of it or nothing. Every process serves the
files: the payload is streamed from disk, never held in a process's memory, and the order
(8 bytes a point) is read once per process.

Meanwhile /carte/ names the newest version kept, and says that the map is being brought up
to date; its selections apply the filters to the data as it is now, over that version's
points. Only when no version of the running release is kept (a first start, a new release:
another release may build another payload) does a visitor wait: the URL of the current
version's payload writes it (or waits for the machine's writer), as the first request did
before. The two newest versions are kept, for a page loaded before the switch.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from maillage.background import (
    BackgroundWork,
    machine_lock,
    newest_first,
    read_snapshot,
)
from maillage.structures.map_data import (
    MapSelection,
    map_data_version,
    map_payload,
    map_selection_of_all,
    same_data,
    same_release,
)

logger = logging.getLogger(__name__)

_LOCK_NAME = ".writing.lock"
_PAYLOAD = "payload.json"
_GZIPPED = "payload.json.gz"
_ORDER = "order.int64"  # the points' primary keys, in payload order, in the machine's order
_SELECTION = "selection.json"  # with no filter
# A writer that failed is started again by a request of this process this long after.
RETRY_SECONDS = 60
# Seconds between the request that starts the writer and the writer's work.
START_DELAY = 1.0


@dataclass(frozen=True)
class KeptMap:
    """The payload /carte/ serves now."""

    version: str
    # When it was written; None when it is not written yet (nothing of this release kept:
    # its URL writes it).
    written_at: dt.datetime | None
    # It holds the data as it is now (False: it changed since it was written).
    current: bool
    # A newer version is being written (in this process or another).
    writing: bool


def kept_root() -> Path:
    return Path(settings.DATA_DIR) / "map"


def _folder(version: str) -> Path | None:
    # Versions come from URLs: a name, never a path.
    return kept_root() / version if version.isalnum() else None


def _written_at(folder: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(folder.stat().st_mtime, tz=dt.UTC)


def _kept_folders() -> list[Path]:
    """The versions kept, newest first (a folder is only ever seen whole)."""
    return newest_first(kept_root(), Path.is_dir)


def _lock(*, wait: bool, tries: int = 1):
    """The machine's one writer of the map's payload."""
    return machine_lock(kept_root() / _LOCK_NAME, wait=wait, tries=tries)


def map_write(*, wait: bool = True) -> str | None:
    """Build the payload of the current data and keep it; return its version. Versions
    older than the previous one are removed. Another writer of the machine is waited for,
    or with wait off, left to it (None)."""
    root = kept_root()
    # The other probing the lock (a request) holds it for an instant.
    with _lock(wait=wait, tries=20) as acquired:
        if not acquired:
            return None
        started = time.perf_counter()
        # The version is read in the snapshot the payload is built from.
        with read_snapshot():
            version = map_data_version()
            folder = root / version
            if folder.is_dir():
                return version
            payload, order = map_payload(version=version)
            everything = map_selection_of_all(version=version, order=order)
        temporary = Path(tempfile.mkdtemp(dir=root, prefix=f".{version}."))
        try:
            (temporary / _PAYLOAD).write_bytes(payload.body)
            (temporary / _GZIPPED).write_bytes(payload.gzipped)
            (temporary / _ORDER).write_bytes(array("q", order).tobytes())
            (temporary / _SELECTION).write_text(json.dumps(everything.as_dict()))
            temporary.chmod(0o755)  # as a folder made by mkdir
            os.rename(temporary, folder)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        # The previous version stays for a page loaded before this one was written; what
        # a writer that died left beside goes (this one holds the lock).
        kept = {folder.name, *(f.name for f in _kept_folders()[:2])}
        for old in root.iterdir():
            if old.is_dir() and old.name not in kept:
                shutil.rmtree(old, ignore_errors=True)
        logger.info(
            "map.kept",
            extra={
                "version": version,
                "points": payload.count,
                "seconds": round(time.perf_counter() - started, 2),
            },
        )
        return version


def _write_in_background() -> None:
    # The request that started it (a visit of /carte/), and the payload and selection its
    # browser asks next (read from files), answer first: the writer holds its process's GIL
    # while it builds.
    time.sleep(START_DELAY)
    map_write(wait=False)


# Seconds of work (1.3 s of CPU at national scale): at the requests' priority, so that it
# does not hold its process's GIL for tens of seconds on a busy machine.
_writer = BackgroundWork("map-writer", _write_in_background, nice=0)


def map_kept(*, now: str | None = None) -> KeptMap:
    """The payload to serve: the current data's when it is kept; else, the current one
    being written in the background (started here), the newest kept of this release.
    now: the current data's version (map_data_version), when the caller read it."""
    version = now or map_data_version()
    folder = kept_root() / version
    try:
        return KeptMap(version, _written_at(folder), current=True, writing=False)
    except FileNotFoundError:
        pass
    if not settings.MAP_IN_BACKGROUND:
        # Its URL writes it.
        return KeptMap(version, None, current=True, writing=False)
    writing = _writer.start_unless_at_work(
        version, lock=kept_root() / _LOCK_NAME, retry_seconds=RETRY_SECONDS
    )
    for folder in _kept_folders():
        if same_release(folder.name, version):
            try:
                current = folder.name == version  # written since it was looked for
                return KeptMap(folder.name, _written_at(folder), current=current, writing=writing)
            except FileNotFoundError:
                continue
    return KeptMap(version, None, current=True, writing=writing)


def map_version_kept(version: str) -> bool:
    folder = _folder(version)
    return folder is not None and folder.is_dir()


def _kept_or_written(version: str, now: str | None) -> Path | None:
    """The folder of version; the current data's is written first if it is not kept."""
    folder = _folder(version)
    if folder is None:
        return None
    if not folder.is_dir() and version == (now or map_data_version()):
        map_write()
    return folder


def map_payload_open(version: str, *, gzipped: bool, now: str | None = None) -> BinaryIO | None:
    """The payload of version (its JSON, or gzip), open for reading; None when it is not
    kept and is not the current data's (which is written first). now: the current data's
    version (map_data_version), when the caller read it."""
    folder = _kept_or_written(version, now)
    if folder is None:
        return None
    try:
        return open(folder / (_GZIPPED if gzipped else _PAYLOAD), "rb")  # noqa: SIM115
    except FileNotFoundError:  # not kept, or removed since
        return None


# folder → the order of its points, for the last two versions read in this process.
_orders: dict[str, array] = {}
_orders_guard = threading.Lock()


def map_order(version: str, *, now: str | None = None) -> array | None:
    """The primary keys of the points of version, in payload order; None as
    map_payload_open."""
    folder = _kept_or_written(version, now)
    if folder is None:
        return None
    with _orders_guard:
        order = _orders.get(str(folder))
    if order is not None:
        return order
    order = array("q")
    try:
        order.frombytes((folder / _ORDER).read_bytes())
    except FileNotFoundError:
        return None
    with _orders_guard:
        while len(_orders) >= 2:
            _orders.pop(next(iter(_orders)))
        _orders[str(folder)] = order
    return order


def map_selection_kept(version: str, *, now: str) -> MapSelection | None:
    """The selection with no filter kept with the payload version: of the data it holds
    (while a newer one is written, the map with no filter is the data as of that version,
    which the page says); None when it is not kept. now: the current data's version."""
    folder = _folder(version)
    try:
        kept = json.loads((folder / _SELECTION).read_bytes())
    except (FileNotFoundError, TypeError):
        return None
    return MapSelection(
        version,
        kept["count"],
        kept["placed"],
        kept["matches"],
        kept["facets"],
        current=same_data(version, now),
    )
