"""Long work kept out of the requests: one worker per machine, in a thread of the process.

At national scale some work takes minutes (the downloads of /donnees/, a dated edition's
file), where gunicorn ends a request after 60 s. Such work is started by a request and
carried out by a thread of its process, at a lower priority than the requests; a lock on a
file shared by every process of the machine makes one worker at a time do it, and a
process that dies releases it with its open file. What the work is to do must be readable
by any process (in the database or on disk), so that the next request after a crash
starts it again.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from django.db import connection, transaction

from maillage.release import release
from maillage.structures import data_version as structures_data_version

logger = logging.getLogger(__name__)


def work_version() -> str:
    """A short name for the current state of the data and the release, under which work
    done from them is kept (a new release may compute other things from the same data)."""
    key = f"{structures_data_version.data_version()}|{release()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@contextmanager
def read_snapshot() -> Iterator[None]:
    """One transaction whose reads all see the same state of the data: on PostgreSQL each
    statement of a READ COMMITTED transaction sees its own, so a fresh transaction is made
    REPEATABLE READ; SQLite's read transaction is one snapshot already, begun DEFERRED: the
    IMMEDIATE mode of the settings (for writes) would take the database's write lock for
    the whole read, holding back every writer (a moderation, an import) for seconds. Inside
    a caller's transaction (tests), that transaction's isolation is kept."""
    fresh = not connection.in_atomic_block
    mode = None
    if fresh and connection.vendor == "sqlite":
        connection.ensure_connection()  # (connecting sets the mode from the settings)
        mode, connection.transaction_mode = connection.transaction_mode, "DEFERRED"
    try:
        with transaction.atomic():
            if mode is not None:
                connection.transaction_mode = mode  # begun: the next transaction's is its own
                mode = None
            if fresh and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
    finally:
        if mode is not None:
            connection.transaction_mode = mode


def newest_first(root: Path, accept: Callable[[Path], bool]) -> list[Path]:
    """The entries of root that accept takes (never a hidden one: being written, or a
    lock), newest first; none when root does not exist."""
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        if not path.name.startswith(".") and accept(path):
            try:  # removed meanwhile by a writer's clean-up
                found.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue
    return [path for _mtime, path in sorted(found, reverse=True)]


@contextmanager
def machine_lock(path: Path, *, wait: bool, tries: int = 1) -> Iterator[bool]:
    """The lock named by the file at path, for every process of the machine. Yields False
    when wait is off and another holds it after `tries` attempts a tenth of a second apart
    (a probe holds it for an instant)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        for attempt in range(tries):
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if attempt == tries - 1:
                    yield False
                    return
                time.sleep(0.1)
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def held_elsewhere(path: Path) -> bool:
    """Whether another process (or thread) holds the lock at path now."""
    if not path.exists():
        return False
    with machine_lock(path, wait=False) as acquired:
        return not acquired


class BackgroundWork:
    """A function run in one thread of this process at a time, at a lower priority."""

    def __init__(self, name: str, work: Callable[[], object], *, nice: int = 10) -> None:
        self.name = name
        self.work = work
        # The thread's priority (Linux: its own nice value). A thread holds its process's
        # GIL while it runs Python: on a busy machine, a low priority leaves it descheduled
        # while it holds it, and the requests of its process wait for it. Work of a few
        # seconds is better done at once (nice 0) than spread over tens of seconds.
        self.nice = nice
        self.started_at = 0.0  # when this process last started it (a failure waits too)
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self._version = ""  # what start_unless_at_work last started it for

    def running(self) -> threading.Thread | None:
        with self._guard:
            return self._thread if self._thread is not None and self._thread.is_alive() else None

    def start(self) -> bool:
        """Start the work unless this process runs it already; whether it was started."""
        with self._guard:
            if self._thread is not None and self._thread.is_alive():
                return False
            self.started_at = time.time()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
            return True

    def start_unless_at_work(self, version: str, *, lock: Path, retry_seconds: float) -> bool:
        """Start the work for version (of the data) unless a worker of the machine is at it
        (this process's thread, or whoever holds lock), or this process's failed on the same
        version less than retry_seconds ago; whether one is at work."""
        if self.running() is not None or held_elsewhere(lock):
            return True
        if version == self._version and time.time() - self.started_at < retry_seconds:
            return False
        self._version = version
        self.start()  # (False: started meanwhile by another thread of this process)
        return True

    def _run(self) -> None:
        # Behind the requests of its process on a busy machine (Linux: a thread's own
        # priority).
        if self.nice:
            with suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        try:
            self.work()
        except Exception:
            logger.exception(f"{self.name}.failed")
        finally:
            connection.close()  # this thread's own connection
