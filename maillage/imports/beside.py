"""Pure-Python work of an import done beside it, on the machine's other core.

An import is one process on one core, and much of its time is Python preparing values
(search columns, the records of its revisions) while the database's own work waits, or the
database working while Python waits. `Beside` forks the import's process once its inputs
are in memory: the child computes from them, with no database access, and sends its results
back in order while the parent goes on writing. The child is a copy of the parent (fork), so
the inputs are not sent, and the results are the ones the parent would have computed.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connections

_DONE, _ITEM, _FAILED = "done", "item", "failed"


class BesideError(RuntimeError):
    """The child process failed or died; the message holds its traceback when known."""


class BesideUnavailable(BesideError):
    """No process could be started beside (the fork failed: memory, process limit); the
    caller does the work itself, as for a small import."""


class Beside:
    """Runs produce() in a forked child process; the parent reads what it yields, in order.

    The child must not touch the database (any query in it raises): it shares the parent's
    connections and their transaction. A thread of the parent receives the results as they
    come, so that the child is never held up by a parent busy elsewhere. Use as a context
    manager: leaving the block ends the child, whatever it was doing.
    """

    def __init__(self, produce: Callable[[], Iterable[Any]]):
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        self._received: queue.SimpleQueue = queue.SimpleQueue()
        self._process = context.Process(
            target=_child, args=(produce, sender, receiver, os.getpid())
        )
        self._process.daemon = True
        try:
            self._process.start()
        except OSError as error:
            receiver.close()
            sender.close()
            raise BesideUnavailable(str(error)) from error
        sender.close()
        self._receiver = receiver
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        try:
            while True:
                message = self._receiver.recv()
                self._received.put(message)
                if message[0] != _ITEM:
                    return
        except (EOFError, OSError):
            self._received.put((_FAILED, "the worker process ended without its results"))
        except BaseException as error:  # a result that cannot be read: the import must stop
            unreadable = f"a result of the worker process was unreadable: {error!r}"
            self._received.put((_FAILED, unreadable))

    def items(self) -> Iterator[Any]:
        """What produce() yielded, in order; raises BesideError if the child failed."""
        while True:
            kind, value = self._received.get()
            if kind == _DONE:
                return
            if kind == _FAILED:
                raise BesideError(value)
            yield value

    def close(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receiver.close()
        self._thread.join()

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _no_database(*args, **kwargs):
    raise BesideError("no database access in a process beside the import")


def _child(produce: Callable[[], Iterable[Any]], sender, receiver, parent: int) -> None:
    # The parent's end of the pipe, inherited by the fork: closed, so that a send to a
    # parent that died fails at once (EPIPE) instead of blocking on a full pipe forever.
    receiver.close()
    for connection in connections.all(initialized_only=True):
        connection.execute_wrappers.append(_no_database)
    try:
        for item in produce():
            if os.getppid() != parent:  # the import was killed: nobody is reading
                return
            sender.send((_ITEM, item))
        sender.send((_DONE, None))
    except BrokenPipeError:
        return
    except BaseException:  # reported to the parent, which raises it
        sender.send((_FAILED, traceback.format_exc()))
    finally:
        sender.close()
