"""Finds the current commune meant by an INSEE code, a postcode, a name or a point.

Imports build one `CommuneResolver` and ask it about every record. It holds the communes and
their aliases in memory, so a resolution costs no query. It never guesses: a name shared by
several communes resolves only with a postcode or a department that tells them apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from maillage.referential.geometry import BOUNDARIES_FILE_NAME, BoundaryIndex
from maillage.referential.models import Commune, CommuneAlias

METHODS = ("insee", "insee-alias", "postcode-name", "name-department", "name", "name-alias")

_ARTICLES = {"le", "la", "les", "l"}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_SEPARATORS = re.compile(r"[\s'’`´‘\-‐‑–—_.,;:/()\"]+")
_CEDEX = re.compile(r"\bcedex\b(\s*\d+)?")
# "10e", "10eme", "10ème", "1er", "10 ieme": ordinals as written in arrondissement names.
_ORDINAL = re.compile(r"^(\d{1,2})(er|re|e|eme|ieme|em)$")
_ARRONDISSEMENT_WORDS = {"arrondissement", "arrondissements", "arr", "arrt", "arrdt"}
_ORDINAL_SUFFIXES = {"er", "re", "e", "eme", "ieme", "em"}


@dataclass(frozen=True)
class Resolution:
    """A resolved commune: its INSEE code, how it was found, and a note for people."""

    commune_code: str
    method: str
    note: str = ""


@dataclass(frozen=True)
class _Alias:
    commune_code: str
    name: str
    code: str
    kind: str


def normalize_name(name: str) -> str:
    """The comparison key of a commune name.

    Case, accents, hyphens, apostrophes, leading articles (also written in parentheses at the
    end, as in "Haÿ-les-Roses (L')"), "St"/"Ste", "CEDEX n" and arrondissement wording
    ("Paris 10e Arrondissement" → "paris 10") do not matter.
    """
    text = name.strip().lower().replace("œ", "oe").replace("æ", "ae")
    text = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    text = _CEDEX.sub(" ", text)
    tokens = [token for token in _SEPARATORS.split(text) if token]
    if not tokens:
        return ""
    trailing_article = re.search(r"\(\s*(l'?|le|la|les)\s*\)\s*$", name.strip().lower())
    if trailing_article and tokens[-1] in _ARTICLES:
        tokens = tokens[:-1]
    if len(tokens) > 1 and tokens[0] in _ARTICLES:
        tokens = tokens[1:]
    normalized: list[str] = []
    for token in tokens:
        if token in _ARRONDISSEMENT_WORDS:
            continue
        if token in _ORDINAL_SUFFIXES and normalized and normalized[-1].isdigit():
            continue
        ordinal = _ORDINAL.match(token)
        if ordinal:
            token = ordinal.group(1)
        if token.isdigit():
            token = str(int(token))
        normalized.append(_ABBREVIATIONS.get(token, token))
    return " ".join(normalized)


def normalize_insee(code: str) -> str:
    code = code.strip().upper()
    if code.isdigit() and len(code) == 4:
        return "0" + code
    return code


def normalize_department(code: str) -> str:
    code = code.strip().upper()
    if code.isdigit() and len(code) == 1:
        return "0" + code
    return code


def departments_for_postcode(postcode: str) -> set[str]:
    """The departments a postcode can belong to, from its first digits."""
    if not re.fullmatch(r"\d{5}", postcode):
        return set()
    if postcode.startswith("97"):
        return {postcode[:3]}
    if postcode.startswith("20"):
        return {"2A", "2B"}
    return {postcode[:2]}


class CommuneResolver:
    """Resolves codes and names to current communes, from data loaded once from the database."""

    def __init__(self) -> None:
        self._communes: dict[str, tuple[str, str]] = {}
        self._by_name: dict[str, set[str]] = defaultdict(set)
        self._by_postcode: dict[str, set[str]] = defaultdict(set)
        for code, name, department, postcodes in Commune.objects.values_list(
            "code", "name", "department_id", "postcodes"
        ):
            self._communes[code] = (name, department)
            self._by_name[normalize_name(name)].add(code)
            for postcode in postcodes.split():
                self._by_postcode[postcode].add(code)
        self._alias_by_code: dict[str, _Alias] = {}
        self._alias_by_name: dict[str, list[_Alias]] = defaultdict(list)
        # Arrondissements first, then delegated, associated and former communes: when a code
        # has several aliases the most specific one explains it.
        order = {"arrondissement": 0, "delegated": 1, "associated": 2, "former": 3}
        aliases = sorted(
            CommuneAlias.objects.values_list("code", "name", "kind", "commune_id"),
            key=lambda row: (order.get(row[2], 9), row[0]),
        )
        for code, name, kind, commune_code in aliases:
            alias = _Alias(commune_code=commune_code, name=name, code=code, kind=kind)
            if code not in self._communes:
                self._alias_by_code.setdefault(code, alias)
            if name:
                self._alias_by_name[normalize_name(name)].append(alias)

    def resolve(
        self, *, insee: str = "", postcode: str = "", name: str = "", department: str = ""
    ) -> Resolution | None:
        """The current commune designated by these fields, or None when unknown or ambiguous.

        Tried in order: the INSEE code (current, then old, delegated, associated or
        arrondissement code), the name among the communes of the postcode, the name in the
        department (given, or deduced from the postcode), the name alone when unique in
        France, then the same with old and delegated commune names.
        """
        insee = normalize_insee(insee)
        if insee in self._communes:
            return Resolution(insee, "insee")
        if insee in self._alias_by_code:
            alias = self._alias_by_code[insee]
            return Resolution(alias.commune_code, "insee-alias", self._alias_note(alias))

        key = normalize_name(name)
        if not key:
            return None
        postcode = postcode.strip()
        departments = (
            {normalize_department(department)}
            if department.strip()
            else departments_for_postcode(postcode)
        )

        if postcode:
            found = self._by_name.get(key, set()) & self._by_postcode.get(postcode, set())
            if len(found) == 1:
                return Resolution(found.pop(), "postcode-name")
        if departments:
            found = {c for c in self._by_name.get(key, ()) if self._communes[c][1] in departments}
            if len(found) == 1:
                return Resolution(found.pop(), "name-department")
            if found:
                return None
        else:
            found = set(self._by_name.get(key, ()))
            if len(found) == 1:
                return Resolution(found.pop(), "name")
            if found:
                return None

        aliases = self._alias_by_name.get(key, [])
        if postcode and not department.strip():
            in_postcode = [
                a for a in aliases if a.commune_code in self._by_postcode.get(postcode, ())
            ]
            aliases = in_postcode or aliases
        if departments:
            aliases = [a for a in aliases if self._communes[a.commune_code][1] in departments]
        if len({a.commune_code for a in aliases}) == 1:
            return Resolution(aliases[0].commune_code, "name-alias", self._alias_note(aliases[0]))
        return None

    def name_candidates(self, name: str) -> list[str]:
        """INSEE codes of every current commune called `name` (for "which one?" messages)."""
        return sorted(self._by_name.get(normalize_name(name), ()))

    def locate(self, *, latitude: float, longitude: float) -> str | None:
        """The INSEE code of the commune at this point, or None at sea or abroad."""
        return boundary_index().locate(latitude=latitude, longitude=longitude)

    def commune_name(self, code: str) -> str:
        return self._communes[code][0]

    def _alias_note(self, alias: _Alias) -> str:
        commune = self._communes[alias.commune_code][0]
        if not alias.name:
            return _("ancien code commune %(code)s rattaché à %(commune)s") % {
                "code": alias.code,
                "commune": commune,
            }
        if alias.kind == CommuneAlias.Kind.ARRONDISSEMENT:
            template = _("arrondissement municipal %(alias)s (%(code)s) rattaché à %(commune)s")
        elif alias.kind == CommuneAlias.Kind.DELEGATED:
            template = _("commune déléguée %(alias)s (%(code)s) rattachée à %(commune)s")
        elif alias.kind == CommuneAlias.Kind.ASSOCIATED:
            template = _("commune associée %(alias)s (%(code)s) rattachée à %(commune)s")
        else:
            template = _("ancienne commune %(alias)s (%(code)s) rattachée à %(commune)s")
        return template % {"alias": alias.name, "code": alias.code, "commune": commune}


def boundary_file() -> Path:
    return Path(settings.BUNDLED_DATA_DIR) / "referential" / BOUNDARIES_FILE_NAME


@lru_cache(maxsize=2)
def _boundary_index(path: Path) -> BoundaryIndex:
    return BoundaryIndex.from_file(path)


def boundary_index() -> BoundaryIndex:
    """The commune boundary index, read from the bundled file on first use."""
    return _boundary_index(boundary_file())
