"""Helpers for tests of work done in the background (maillage.background.BackgroundWork)."""

from maillage.background import BackgroundWork


def writer_fresh(work: BackgroundWork) -> None:
    """Forget what the writer last started: test databases are rolled back to the same data
    version, and a failure recorded by one test must not hold back the next test's writer."""
    work._version = ""
    work.started_at = 0.0


def writer_join(work: BackgroundWork) -> None:
    """Wait for the writer's thread, if it runs."""
    thread = work.running()
    if thread is not None:
        thread.join(timeout=120)
