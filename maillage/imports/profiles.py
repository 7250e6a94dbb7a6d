"""Mapping profiles: which column of a file feeds which field of a structure.

A profile is named and recognised from the header row; a mapping file (JSON, see
docs/import.md) describes one for a file no shipped profile knows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from maillage.exports.columns import DERIVED_COLUMNS, IMPORTED_COLUMNS
from maillage.imports.records import ImportFileError, MappedRow
from maillage.structures.services import FIELDS, NESTED_FIELDS

# Fields a column can feed: the structure's, its identifier, and hints that help find the
# commune without being stored.
HINT_FIELDS = ("commune_name", "department_code", "slug")
TARGET_FIELDS = ("id", *FIELDS, *HINT_FIELDS)


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    columns: Mapping[str, str]  # target field → column of the file
    signature: frozenset[str]  # columns (case-insensitive) whose presence names the profile
    source: str | None = None  # default source slug
    defaults: Mapping[str, Any] = field(default_factory=dict)  # for new structures only
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # value translations
    ignored: frozenset[str] = frozenset()  # columns known and deliberately not read
    adapt: Callable[[MappedRow], None] | None = None

    def matches(self, header: tuple[str, ...]) -> bool:
        present = {column.lower() for column in header}
        return {column.lower() for column in self.signature} <= present


def _maillage_profile() -> Profile:
    columns = {name: name for name in IMPORTED_COLUMNS}
    columns.update({name: name for name in NESTED_FIELDS})
    # Not stored, but finds the commune of a file written by hand without INSEE codes.
    columns["commune_name"] = "commune_name"
    # Not compared either: only keeps a structure's web address when it moves databases.
    columns["slug"] = "slug"
    return Profile(
        name="maillage",
        label=_("Export Maillage (CSV, XLSX, JSON, GeoJSON)"),
        columns=columns,
        signature=frozenset({"name", "main_type"}),
        defaults={"status": "published"},
        ignored=frozenset(DERIVED_COLUMNS),
    )


def profiles() -> dict[str, Profile]:
    """The shipped profiles, by name, in the order they are tried on a header."""
    from maillage.imports.profile_cget import cget_profile

    shipped = [cget_profile(), _maillage_profile()]
    return {profile.name: profile for profile in shipped}


def profile_named(name: str) -> Profile:
    known = profiles()
    if name not in known:
        raise ImportFileError(
            _("Profil d'import inconnu : « %(name)s ». Profils disponibles : %(known)s.")
            % {"name": name, "known": ", ".join(known)}
        )
    return known[name]


def profile_for_header(header: tuple[str, ...]) -> Profile:
    for profile in profiles().values():
        if profile.matches(header):
            return profile
    raise ImportFileError(
        _(
            "Les colonnes du fichier ne correspondent à aucun profil connu (%(known)s). "
            "Indiquez un profil avec --profile ou décrivez vos colonnes dans un fichier de "
            "correspondance avec --mapping (voir docs/import.md). Colonnes lues : %(header)s."
        )
        % {"known": ", ".join(profiles()), "header": ", ".join(header[:30])}
    )


def profile_from_mapping_file(path: Path) -> Profile:
    """Read a mapping file: {"name", "source", "columns", "values", "defaults"}."""
    try:
        content = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ImportFileError(_("Le fichier de correspondance %s n'existe pas.") % path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFileError(
            _("Le fichier de correspondance %(path)s n'est pas un JSON lisible : %(error)s")
            % {"path": path, "error": error}
        ) from None
    if not isinstance(content, dict) or not isinstance(content.get("columns"), dict):
        raise ImportFileError(
            _("Le fichier de correspondance %s doit être un objet avec une clé « columns ».") % path
        )
    columns = content["columns"]
    values = content.get("values") or {}
    defaults = content.get("defaults") or {}
    for group in (columns, values, defaults):
        if not isinstance(group, dict):
            raise ImportFileError(
                _(
                    "Le fichier de correspondance %s : « columns », « values » et « defaults » "
                    "doivent être des objets."
                )
                % path
            )
    unknown = sorted(set(columns) | set(values) | set(defaults))
    unknown = [name for name in unknown if name not in TARGET_FIELDS]
    if unknown:
        raise ImportFileError(
            _(
                "Champs inconnus dans le fichier de correspondance : %(unknown)s. "
                "Champs possibles : %(known)s."
            )
            % {"unknown": ", ".join(unknown), "known": ", ".join(TARGET_FIELDS)}
        )
    return Profile(
        name=str(content.get("name") or path.stem),
        label=str(content.get("name") or path.name),
        columns={str(k): str(v) for k, v in columns.items()},
        signature=frozenset(),
        source=content.get("source") or None,
        defaults=defaults,
        values={
            target: {str(k): str(v) for k, v in table.items()}
            for target, table in values.items()
            if isinstance(table, dict)
        },
    )
