"""What is derived from the published data and kept off the request, started when a request
commits a change of the data.

The map's payload (maillage.structures.map_kept), the whole atlas's insights
(maillage.analyses.kept) and the downloads of /donnees/ (maillage.exports.published) are each
written by one writer of the machine, in a thread, when a visit finds them out of date: the
first visitor after a change finds the previous version, said to be so. Started when a
moderation or an edit commits (maillage.contributions.services.revision_record), the
writers are usually done before anyone visits. Imports from the command line are left to
the next visit: a thread of a command would end with it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction


def _map() -> None:
    from maillage.structures.map_kept import map_kept

    if settings.MAP_IN_BACKGROUND:
        map_kept()  # starts its writer when the payload is out of date


def _insights() -> None:
    from maillage.analyses.kept import insights_start

    if settings.INSIGHTS_IN_BACKGROUND:
        insights_start()


def _downloads() -> None:
    from maillage.exports.published import published_files

    if settings.PUBLISHED_FILES_IN_BACKGROUND:
        published_files()  # starts its writer when due (PUBLISHED_FILES_INTERVAL)


# The map first: it is seconds of work, the others tens of seconds or minutes.
_STARTS = (_map, _insights, _downloads)


def derived_data_refresh_on_commit() -> None:
    """Start the writers of what is out of date once the current transaction commits (once
    per transaction, however many changes it holds), each by its own rules: one writer
    per machine, the downloads at most every PUBLISHED_FILES_INTERVAL. Those written in the
    request instead (their *_IN_BACKGROUND setting off: the tests) are left to the visit
    that needs them. A writer that cannot start is logged, never the request's failure:
    its change is committed."""
    connection = transaction.get_connection()
    if any(entry[1] is _STARTS[0] for entry in connection.run_on_commit):
        return
    for start in _STARTS:
        transaction.on_commit(start, robust=True)
