"""Stage 3: turn mapped cells into typed structure values, or reasons to reject the row.

Every message says what is wrong with the value and what would be accepted, in French.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from maillage.imports.cells import cell_text, normalise_url, split_multi
from maillage.imports.records import FieldError, MappedRow, Record
from maillage.imports.vocabulary_index import VocabularyIndex
from maillage.structures.models import Structure, Term
from maillage.structures.services import (
    FIELDS,
    M2M_KINDS,
    ContactData,
    PartnerData,
    ResilienceData,
    ValueExampleData,
)
from maillage.structures.text_search import fold

_UID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
HINTS = ("commune_code", "postcode", "commune_name", "department_code")


class CellError(ValueError):
    """The message says what is wrong and what is expected."""


@dataclass
class ValidationContext:
    vocabulary: VocabularyIndex
    sources: set[str]
    default_source: str | None
    # The language active when the context is made, that of the whole validation: choices
    # are matched on its labels. Read once: get_language() per cell (a context-local
    # lookup) was 4 s of an import of 100,000 rows (BENCHMARKS.md, import7).
    language: str | None = field(default_factory=get_language)


# --- converters: (value, context) → typed value, raising CellError ---------------------------


def _text_converter(
    name: str, *, required: bool = False
) -> Callable[[Any, ValidationContext], str]:
    max_length = Structure._meta.get_field(name).max_length

    def convert(value: Any, context: ValidationContext) -> str:
        text = cell_text(value)
        if required and not text:
            raise CellError(_("Valeur obligatoire manquante."))
        if max_length and len(text) > max_length:
            raise CellError(
                _("Texte trop long (%(length)s caractères, %(max)s au plus).")
                % {"length": len(text), "max": max_length}
            )
        return text

    return convert


def _long_text(value: Any, context: ValidationContext) -> str:
    return cell_text(value)


def _siret(value: Any, context: ValidationContext) -> str:
    text = re.sub(r"[\s.]", "", cell_text(value))
    if text and not re.fullmatch(r"\d{14}", text):
        raise CellError(_("Un SIRET compte 14 chiffres."))
    return text


def _postcode(value: Any, context: ValidationContext) -> str:
    text = cell_text(value).replace(" ", "")
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text  # a spreadsheet dropped the leading zero
    if text and not re.fullmatch(r"\d{5}", text):
        raise CellError(_("Un code postal compte 5 chiffres."))
    return text


def _commune_code(value: Any, context: ValidationContext) -> str:
    text = cell_text(value).upper().replace(" ", "")
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    if text and not _COMMUNE_CODE.match(text):
        raise CellError(_("Un code INSEE de commune compte 5 caractères (ex. 44109, 2A004)."))
    return text


def _coordinate(low: float, high: float) -> Callable[[Any, ValidationContext], float | None]:
    def convert(value: Any, context: ValidationContext) -> float | None:
        text = cell_text(value).replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise CellError(_("Nombre décimal attendu (ex. 47.2184).")) from None
        if not low <= number <= high:
            raise CellError(
                _("Valeur hors limites (entre %(low)s et %(high)s).") % {"low": low, "high": high}
            )
        return number

    return convert


def _year(value: Any, context: ValidationContext) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1800 <= int(text) <= dt.date.today().year + 1:
        raise CellError(_("Année sur 4 chiffres attendue (ex. 2015)."))
    return int(text)


def _url(value: Any, context: ValidationContext) -> str:
    url = normalise_url(cell_text(value))
    if url is None:
        raise CellError(
            _("Adresse web invalide : seules les adresses http ou https sont acceptées.")
        )
    if len(url) > 500:
        raise CellError(_("Adresse web trop longue (500 caractères au plus)."))
    return url


def _choice(choices) -> Callable[[Any, ValidationContext], str]:
    @functools.lru_cache(maxsize=8)
    def accepted(language: str | None) -> dict[str, str]:
        """Folded value or label (in the active language) → value; the first choice wins.
        Built once per language rather than folding every label for every row."""
        found: dict[str, str] = {}
        for choice_value, label in choices.choices:
            found.setdefault(fold(choice_value), choice_value)
            found.setdefault(fold(str(label)), choice_value)
        return found

    def convert(value: Any, context: ValidationContext) -> str:
        text = cell_text(value)
        if not text:
            return ""
        choice_value = accepted(context.language).get(fold(text))
        if choice_value is not None:
            return choice_value
        raise CellError(_("Valeur inconnue. Valeurs acceptées : %s.") % ", ".join(choices.values))

    return convert


def _datetime(value: Any, context: ValidationContext) -> dt.datetime | None:
    text = cell_text(value)
    if not text:
        return None
    parsed = parse_datetime(text.replace(" ", "T", 1)) if "T" in text or ":" in text else None
    if parsed is None:
        day = parse_date(text[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) else None
        if day is None:
            raise CellError(_("Date attendue au format AAAA-MM-JJ (ex. 2025-03-31)."))
        parsed = dt.datetime.combine(day, dt.time())
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _date(value: Any) -> dt.date | None:
    text = cell_text(value)
    if not text:
        return None
    day = parse_date(text[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) else None
    if day is None:
        raise CellError(_("Date attendue au format AAAA-MM-JJ (ex. 2020-04-01)."))
    return day


def _term(kind: str, *, required: bool = False) -> Callable[[Any, ValidationContext], str]:
    def convert(value: Any, context: ValidationContext) -> str:
        text = cell_text(value)
        if not text:
            if required:
                raise CellError(
                    _("Valeur obligatoire manquante. Valeurs acceptées : %s.")
                    % context.vocabulary.accepted(kind)
                )
            return ""
        slug = context.vocabulary.lookup(kind, text)
        if slug is None:
            raise CellError(
                _("Valeur inconnue. Valeurs acceptées : %s.") % context.vocabulary.accepted(kind)
            )
        return slug

    return convert


def _terms(kind: str) -> Callable[[Any, ValidationContext], tuple[str, ...]]:
    def convert(value: Any, context: ValidationContext) -> tuple[str, ...]:
        slugs, unknown = [], []
        for part in split_multi(value):
            slug = context.vocabulary.lookup(kind, part)
            (slugs if slug else unknown).append(slug or part)
        if unknown:
            raise CellError(
                _(
                    "Valeur(s) inconnue(s) : %(unknown)s. Valeurs acceptées (séparées par « | ») : "
                    "%(accepted)s."
                )
                % {"unknown": ", ".join(unknown), "accepted": context.vocabulary.accepted(kind)}
            )
        return tuple(sorted(set(slugs)))

    return convert


def _source(value: Any, context: ValidationContext) -> str:
    text = cell_text(value) or (context.default_source or "")
    if not text:
        raise CellError(_("Source manquante : ajoutez une colonne source ou l'option --source."))
    if text not in context.sources:
        raise CellError(
            _("Source inconnue. Sources connues : %s.") % ", ".join(sorted(context.sources))
        )
    return text


def _uid(value: Any, context: ValidationContext) -> str:
    text = cell_text(value)
    if text and not _UID.match(text):
        raise CellError(
            _("Identifiant invalide : lettres minuscules, chiffres et tirets (ex. mlg-ab12cd34).")
        )
    return text


def _objects(value: Any) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise CellError(
            _("Liste d'objets attendue (uniquement dans les fichiers JSON et GeoJSON).")
        )
    return value


def _required_text(item: dict, key: str) -> str:
    text = cell_text(item.get(key))
    if not text:
        raise CellError(_("Chaque élément doit avoir un « %s ».") % key)
    return text


def _partners(value: Any, context: ValidationContext) -> tuple[PartnerData, ...]:
    partners = []
    for item in _objects(value):
        kind = cell_text(item.get("kind"))
        slug = context.vocabulary.lookup(Term.Kind.ACTOR, kind) if kind else ""
        if slug is None:
            raise CellError(
                _("Type de partenaire inconnu : %(kind)s. Valeurs acceptées : %(accepted)s.")
                % {"kind": kind, "accepted": context.vocabulary.accepted(Term.Kind.ACTOR)}
            )
        partners.append(
            PartnerData(
                name=_required_text(item, "name"),
                kind=slug,
                structure_uid=cell_text(item.get("structure_id")),
            )
        )
    return tuple(sorted(partners))


def _value_examples(value: Any, context: ValidationContext) -> tuple[ValueExampleData, ...]:
    return tuple(
        sorted(
            ValueExampleData(
                title=_required_text(item, "title"), description=cell_text(item.get("description"))
            )
            for item in _objects(value)
        )
    )


def _contacts(value: Any, context: ValidationContext) -> tuple[ContactData, ...]:
    contacts = []
    for item in _objects(value):
        if item.get("publication_consent") is not True:
            raise CellError(
                _(
                    "Un contact ne peut être importé qu'avec son accord de publication "
                    "(« publication_consent »: true)."
                )
            )
        email = cell_text(item.get("email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CellError(_("Adresse e-mail invalide : %s.") % email) from None
        contacts.append(
            ContactData(
                name=_required_text(item, "name"),
                role=cell_text(item.get("role")),
                email=email,
                phone=cell_text(item.get("phone")),
            )
        )
    return tuple(sorted(contacts))


def _resilience(value: Any, context: ValidationContext) -> tuple[ResilienceData, ...]:
    items = []
    for item in _objects(value):
        category = cell_text(item.get("category"))
        slug = context.vocabulary.lookup(Term.Kind.RESILIENCE, category) if category else ""
        if slug is None:
            raise CellError(
                _("Catégorie inconnue : %(category)s. Valeurs acceptées : %(accepted)s.")
                % {
                    "category": category,
                    "accepted": context.vocabulary.accepted(Term.Kind.RESILIENCE),
                }
            )
        items.append(
            ResilienceData(
                title=_required_text(item, "title"),
                description=cell_text(item.get("description")),
                category=slug,
                started_on=_date(item.get("started_on")),
                ended_on=_date(item.get("ended_on")),
            )
        )
    return tuple(items)


CONVERTERS: dict[str, Callable[[Any, ValidationContext], Any]] = {
    "id": _uid,
    "name": _text_converter("name", required=True),
    "acronym": _text_converter("acronym"),
    "siret": _siret,
    "main_type": _term(Term.Kind.TYPE, required=True),
    "short_description": _text_converter("short_description"),
    "description": _long_text,
    "address": _text_converter("address"),
    "postcode": _postcode,
    "commune_code": _commune_code,
    "commune_name": lambda value, context: cell_text(value),
    "department_code": lambda value, context: cell_text(value).upper(),
    "slug": lambda value, context: slugify(cell_text(value))[:120],
    "latitude": _coordinate(-90, 90),
    "longitude": _coordinate(-180, 180),
    "geo_precision": _choice(Structure.GeoPrecision),
    "geo_source": _text_converter("geo_source"),
    "website": _url,
    "twitter": _url,
    "facebook": _url,
    "linkedin": _url,
    "year_founded": _year,
    "legal_form": _text_converter("legal_form"),
    "status": _choice(Structure.Status),
    "source": _source,
    "source_record_id": _text_converter("source_record_id"),
    "last_verified_at": _datetime,
    "verified_by": _text_converter("verified_by"),
    "partners": _partners,
    "value_examples": _value_examples,
    "contacts": _contacts,
    "resilience_initiatives": _resilience,
    **{name: _terms(kind) for name, kind in M2M_KINDS.items()},
}


def convert_values(
    fields: dict[str, Any], context: ValidationContext
) -> tuple[dict[str, Any], dict[str, str]]:
    """(converted values, field → error message) for the fields Maillage knows."""
    values, errors = {}, {}
    for name, raw in fields.items():
        converter = CONVERTERS.get(name)
        if converter is None:
            continue
        try:
            values[name] = converter(raw, context)
        except CellError as error:
            errors[name] = str(error)
    return values, errors


def validate_row(
    row: MappedRow, context: ValidationContext, defaults: dict[str, Any]
) -> Record | list[FieldError]:
    """A Record, or the errors that reject the row."""
    fields = dict(row.fields)
    fields.setdefault("source", "")  # falls back to the context's default source
    values, messages = convert_values(fields, context)
    errors = list(row.errors) + [
        FieldError(
            line=row.line,
            column=row.columns.get(name, name),
            value=_shown(fields.get(name)),
            message=message,
        )
        for name, message in messages.items()
    ]
    has_latitude, has_longitude = (
        values.get("latitude") is not None,
        values.get("longitude") is not None,
    )
    if has_latitude != has_longitude:
        errors.append(
            FieldError(
                line=row.line,
                column=row.columns.get("latitude" if has_longitude else "longitude", ""),
                value="",
                message=_("Latitude et longitude vont ensemble : renseignez les deux ou aucune."),
            )
        )
    if errors:
        return errors
    hints = {name: values[name] for name in HINTS if values.get(name)}
    uid = values.pop("id", "")
    slug = values.pop("slug", "")
    for name in ("commune_name", "department_code"):
        values.pop(name, None)
    return Record(
        line=row.line,
        values={name: value for name, value in values.items() if name in FIELDS},
        columns=row.columns,
        uid=uid,
        slug=slug,
        commune_hints=hints,
        creation_defaults={k: v for k, v in defaults.items() if k not in values},
        notes=list(row.notes),
    )


def _shown(value: Any) -> str:
    text = cell_text(value) if not isinstance(value, list | dict) else str(value)
    return text if len(text) <= 80 else text[:77] + "…"
