"""The data version kept in the process on PostgreSQL, forgotten when the database says it
changed.

Every request reads the data version first (maillage.api.cache.request_data_version): the
key of its kept answer, of its kept page, of what the process keeps per version. On SQLite
that read is a call into the process's own library; on PostgreSQL it is a round trip to
the server, the only query of an answer served from the cache, and a quarter of its time
(1,900 against 2,600 requests per second on a structure's API detail at 100,000 structures,
BENCHMARKS.md).

So on PostgreSQL each process listens: the version row's table has a trigger that sends a
notification (`NOTIFY maillage_data_version`) whenever the token is replaced, delivered
when the writing transaction commits, to every listening session. A thread of the process
holds a connection of its own that LISTENs; a request reads the version from the database
once, keeps it, and the next requests take the kept one until a notification arrives,
which forgets it. The next request reads it again.

What this changes for a reader: a write committed by another process is seen once its
notification has reached this process's thread (about a millisecond on one machine),
instead of at once. Nothing else: a version read before a commit is never kept after that
commit's notification (a counter of notifications is compared before and after the read),
and whenever the listening is not known to work (not started yet, its connection lost, the
trigger missing in a database not migrated since), every request reads the version from
the database, as without this module. Inside a transaction (writers, snapshots) the
version is always read from the database.

The thread checks its connection every HEARTBEAT seconds (a `SELECT 1`, with TCP
keepalives), so a connection cut silently stops the keeping within about that time.
Processes forked after it started (gunicorn's workers) start their own.
Setting: DATA_VERSION_LISTEN (MAILLAGE_DATA_VERSION_LISTEN), on by default.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "maillage_data_version"
NOTIFY_FUNCTION = "structures_data_version_notify"
NOTIFY_TRIGGER = "structures_data_version_notify"
HEARTBEAT = 10.0
RETRY = 5.0
# How often the thread looks whether it was asked to stop (tests, a server shutting down).
POLL = 0.5


class VersionWatch:
    """The kept version of one database in this process, and the thread that forgets it."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._lock = threading.Lock()
        self._version: str | None = None
        self._notifications = 0  # how many notifications (or losses of listening) so far
        self._listening = False
        self._pid: int | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # The listening connection's socket, while it listens.
        self._socket: int | None = None

    # -- what requests call --------------------------------------------------------------

    def version(self, read: Callable[[], str]) -> str:
        """The kept version, or read()'s (kept when no notification came in between)."""
        self._start_in_this_process()
        version = self._version
        if version is not None and not self._notification_waiting():
            return version
        notifications = self._notifications
        listening = self._listening
        version = read()
        with self._lock:
            if listening and self._listening and self._notifications == notifications:
                self._version = version
        return version

    def _notification_waiting(self) -> bool:
        """Whether the listening connection holds bytes its thread has not read yet: a
        notification that arrived while the thread waited for the interpreter (it needs
        the GIL, which the process's request threads hold most of the time under load).
        The version is then read, as after the thread's forget()."""
        socket = self._socket
        if socket is None:
            return False
        poll = select.poll()
        poll.register(socket, select.POLLIN)
        # Readable, or closed meanwhile (the thread is reconnecting): read the version.
        return bool(poll.poll(0))

    def forget(self) -> None:
        with self._lock:
            self._notifications += 1
            self._version = None

    @property
    def listening(self) -> bool:
        return self._listening

    # -- the thread ----------------------------------------------------------------------

    def _start_in_this_process(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # A fork inherits the parent's state but not its thread: start over.
            self._pid = os.getpid()
            self._version = None
            self._listening = False
            self._socket = None
            self._stopping = threading.Event()
            self._thread = threading.Thread(
                target=self._listen, args=(self._stopping,), name="data-version-watch", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close its connection (tests); the next version() starts a
        new one."""
        self._stopping.set()
        with self._lock:
            self._pid = None
            self._listening = False
            self._version = None
            self._socket = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=POLL * 4)

    def _connect(self):
        import psycopg

        params = connections[self.alias].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        return psycopg.connect(
            **params,
            autocommit=True,
            application_name="maillage data version watch",
            keepalives=1,
            keepalives_idle=int(HEARTBEAT),
            keepalives_interval=2,
            keepalives_count=3,
            connect_timeout=int(RETRY) or 1,
        )

    def _listen(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                with self._connect() as connection:
                    try:
                        self._listen_on(connection, stopping)
                    finally:
                        # Before the connection closes: its socket's number may be reused.
                        self._set_listening(stopping, False)
            except Exception:
                if not stopping.is_set():
                    logger.warning("data_version_watch.lost", exc_info=True)
            stopping.wait(RETRY)

    def _listen_on(self, connection, stopping: threading.Event) -> None:
        if not _notify_trigger_present(connection):
            logger.warning("data_version_watch.no_trigger")
            stopping.wait(HEARTBEAT * 6)
            return
        connection.execute(f"LISTEN {CHANNEL}")
        # What was read before LISTEN may have missed a notification.
        self._set_listening(stopping, True, socket=connection.pgconn.socket)
        checked = time.monotonic()
        while not stopping.is_set():
            for _notify in connection.notifies(timeout=POLL):
                self.forget()
            if time.monotonic() - checked >= HEARTBEAT:
                connection.execute("SELECT 1")
                checked = time.monotonic()

    def _set_listening(
        self, stopping: threading.Event, listening: bool, socket: int | None = None
    ) -> None:
        with self._lock:
            if self._stopping is not stopping:
                return  # a thread stopped: another one owns the state now
            self._notifications += 1
            self._version = None
            self._listening = listening and not stopping.is_set()
            self._socket = socket if self._listening else None


def _notify_trigger_present(connection) -> bool:
    row = connection.execute(
        "SELECT 1 FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal", [NOTIFY_TRIGGER]
    ).fetchone()
    return row is not None


_watches: dict[str, VersionWatch] = {}
_watches_lock = threading.Lock()


def watch_for(alias: str) -> VersionWatch | None:
    """The watch of a database, None where versions are always read (SQLite, setting off)."""
    if not settings.DATA_VERSION_LISTEN or connections[alias].vendor != "postgresql":
        return None
    # Keyed by what identifies the database too: tests point the alias at another one.
    database = connections[alias].settings_dict
    key = f"{alias}:{database.get('HOST')}:{database.get('PORT')}:{database.get('NAME')}"
    with _watches_lock:
        watch = _watches.get(key)
        if watch is None:
            watch = _watches[key] = VersionWatch(alias)
    return watch


def _after_fork_in_child() -> None:
    """A fork copies a lock held by a thread that the child does not have: new locks."""
    global _watches_lock
    _watches_lock = threading.Lock()
    for watch in _watches.values():
        watch._lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def stop_all() -> None:
    with _watches_lock:
        for watch in _watches.values():
            watch.stop()
        _watches.clear()


# The trigger: on the version row's table, so that every replacement of the token (the
# watched tables' triggers, data_version_bulk's one bump, a write by hand) notifies. One
# notification per transaction: PostgreSQL folds identical notifications of a transaction.
NOTIFY_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {NOTIFY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$
"""
