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
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _sqlite_backup_readable(path: Path, page_size: int) -> Iterator[Path]:
    """The Maillage backup at path, or a converted copy of it when its pages are not of
    page_size bytes: the backup API copies pages as they are, and refuses pages of another
    size into a database in WAL mode or in memory (a backup taken before new databases got
    8 KiB pages, settings.py, has 4 KiB ones). The file at path is left as it is; a file
    without Maillage's tables is refused."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
        (own,) = source.execute("PRAGMA page_size").fetchone()
        # An empty file opens as an empty database, as another program's file opens as
        # its database: restoring either would empty the atlas.
        tables = {name for (name,) in source.execute("SELECT name FROM sqlite_master")}
    source.close()
    if not {"django_migrations", "structures_structure"} <= tables:
        raise BackupError(
            _("%(path)s n'est pas une sauvegarde de Maillage : ses tables n'y sont pas.")
            % {"path": path}
        )
    if own == page_size:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="maillage-restore-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        converted = sqlite3.connect(copy, isolation_level=None)
        try:
            converted.execute("PRAGMA journal_mode=DELETE")
            converted.execute(f"PRAGMA page_size={int(page_size)}")
            converted.execute("VACUUM")
        finally:
            converted.close()
        yield copy


def backup_restore(*, path: Path) -> None:
    """Replace the database's content with the backup at path."""
    if not path.is_file():
        raise BackupError(_("Fichier de sauvegarde introuvable : %(path)s") % {"path": path})
    if connection.vendor == "sqlite":
        try:
            connection.ensure_connection()
            (page_size,) = connection.connection.execute("PRAGMA page_size").fetchone()
            with _sqlite_backup_readable(path, page_size) as readable:
                with sqlite3.connect(f"file:{readable}?mode=ro", uri=True) as source:
                    source.backup(connection.connection)
                source.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(
                _("%(path)s n'est pas une sauvegarde SQLite lisible (%(error)s).")
                % {"path": path, "error": error}
            ) from error
        except OSError as error:  # the converted copy could not be written
            raise BackupError(
                _("Restauration impossible : %(error)s") % {"error": error}
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
