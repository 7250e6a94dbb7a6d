"""Backups of the whole database, with each engine's own tools.

SQLite: the online backup API (a consistent copy while the site keeps serving).
PostgreSQL: pg_dump in its custom format, restored with pg_restore.
A restore replaces everything in the database with the backup's content.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from maillage.logs.events import event


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, for a user."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    engine: str


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    arguments = ["--dbname", settings["NAME"]]
    if settings.get("HOST"):
        arguments += ["--host", settings["HOST"]]
    if settings.get("PORT"):
        arguments += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        arguments += ["--username", settings["USER"]]
    environment = {**os.environ}
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            _("La commande %(tool)s est introuvable : installez le client PostgreSQL.")
            % {"tool": command[0]}
        )
    # The arguments come from the database settings, never from a request.
    completed = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise BackupError(
            _("%(tool)s a échoué : %(error)s")
            % {"tool": command[0], "error": completed.stderr.strip()[-500:]}
        )


def backup_create(*, path: Path) -> BackupResult:
    """Write a consistent copy of the whole database to path (replaced atomically)."""
    path = path.resolve()
    if not path.parent.is_dir():
        raise BackupError(_("Le dossier %(folder)s n'existe pas.") % {"folder": path.parent})
    # Written beside the target then renamed: a failure never leaves half a backup.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".backup-", suffix=".tmp")
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(temporary_path) as target:
                connection.connection.backup(target)
            target.close()
        elif connection.vendor == "postgresql":
            arguments, environment = _pg_environment()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(temporary_path),
                    *arguments,
                ],
                environment,
            )
        else:
            raise BackupError(_("Base de données non prise en charge : %s") % connection.vendor)
        temporary_path.replace(path)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(_("Sauvegarde impossible : %(error)s") % {"error": error}) from error
    finally:
        temporary_path.unlink(missing_ok=True)
    result = BackupResult(path=path, size=path.stat().st_size, engine=connection.vendor)
    event("backup.created", engine=result.engine, bytes=result.size)
    return result


def backup_restore(*, path: Path) -> None:
    """Replace the database's content with the backup at path."""
    if not path.is_file():
        raise BackupError(_("Fichier de sauvegarde introuvable : %(path)s") % {"path": path})
    if connection.vendor == "sqlite":
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
                source.execute("PRAGMA schema_version").fetchone()
                connection.ensure_connection()
                source.backup(connection.connection)
            source.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(
                _("%(path)s n'est pas une sauvegarde SQLite lisible (%(error)s).")
                % {"path": path, "error": error}
            ) from error
    elif connection.vendor == "postgresql":
        connection.close()  # pg_restore needs the tables free of this process's locks
        arguments, environment = _pg_environment()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *arguments,
                str(path),
            ],
            environment,
        )
    else:
        raise BackupError(_("Base de données non prise en charge : %s") % connection.vendor)
    event("backup.restored", engine=connection.vendor)
