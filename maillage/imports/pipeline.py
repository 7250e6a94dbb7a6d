"""The import pipeline: parse → map → validate → resolve the commune → place → identify →
detect duplicates → apply → report.

Each stage is a module of this package. Every record ends in one bucket of the report:
created, updated, unchanged or rejected (with its reasons).
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from maillage.imports import apply as apply_stage
from maillage.imports.beside import Beside, BesideUnavailable
from maillage.imports.communes import Resolver, default_resolver, resolve_commune
from maillage.imports.duplicates import duplicate_keys, find_duplicates
from maillage.imports.geocoding import BanGeocoder
from maillage.imports.identity import match_existing, reject_repeated, target_uid
from maillage.imports.mapping import row_mapper
from maillage.imports.models import ImportRun
from maillage.imports.parsing import parse_file
from maillage.imports.placement import Placer, communes_by_code
from maillage.imports.profiles import (
    Profile,
    profile_for_header,
    profile_from_mapping_file,
    profile_named,
)
from maillage.imports.records import FieldError, ImportFileError, ParsedFile, RawRow, Record
from maillage.imports.report import ImportReport
from maillage.imports.validation import ValidationContext, convert_values, validate_row
from maillage.imports.vocabulary_index import VocabularyIndex
from maillage.logs.events import event
from maillage.structures.bulk import bulk_write_cache
from maillage.structures.models import Source
from maillage.structures.services import slug_bases, structures_analyze

# An import writing this many structures refreshes the planner's statistics afterwards.
ANALYZE_AFTER_ROWS = 1000


def _progress(
    items: Iterable, enabled: bool, description: str, total: int | None = None
) -> Iterable:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=description, unit=_("lignes"), leave=False, total=total)


# A file of this many rows is mapped and validated half here, half beside (on the other
# core, maillage.imports.beside). The part done here is the larger: a row costs the child
# more (it sends what it made, which this process's receiving thread reads beside its own
# work): 0.15 ms a row beside, 0.12 ms here, which made this process wait 3.5 s at 45 %.
VALIDATE_BESIDE_FROM = 2_000
_HERE_SHARE = 0.55
_BESIDE_CHUNK = 2_000


def _validated(
    parsed: ParsedFile,
    chosen: Profile,
    context: ValidationContext,
    defaults: dict,
    locate: Callable[[Record], list[FieldError]] | None = None,
) -> Iterator[tuple[int, Record | list[FieldError]]]:
    """(line, its Record or the errors that reject it) for each row of parsed, in order;
    locate(record), when given, is done to each valid record after its validation (the
    errors it returns reject it)."""
    map_row = row_mapper(parsed, chosen)

    def validated(rows: list[RawRow]) -> Iterator[tuple[int, Record | list[FieldError]]]:
        for raw in rows:
            row = map_row(raw)
            result = validate_row(row, context, defaults)
            if locate is not None and isinstance(result, Record):
                result = locate(result) or result
            yield row.line, result

    rows = parsed.rows
    if len(rows) < VALIDATE_BESIDE_FROM:
        yield from validated(rows)
        return
    here = int(len(rows) * _HERE_SHARE)

    def beside_part() -> Iterator[list]:
        part = validated(rows[here:])
        while chunk := list(itertools.islice(part, _BESIDE_CHUNK)):
            yield chunk

    try:
        beside = Beside(beside_part)
    except BesideUnavailable:  # every row validated here, on one core
        yield from validated(rows)
        return
    with beside:
        yield from validated(rows[:here])
        for chunk in beside.items():
            yield from chunk


def _choose_profile(
    header: tuple[str, ...], profile: str | None, mapping_file: Path | None
) -> Profile:
    if profile and mapping_file:
        raise ImportFileError(
            _(
                "Choisissez soit un profil (--profile), soit un fichier de "
                "correspondance (--mapping), pas les deux."
            )
        )
    if mapping_file:
        return profile_from_mapping_file(mapping_file)
    if profile:
        return profile_named(profile)
    return profile_for_header(header)


@contextmanager
def _no_full_collections() -> Iterator[None]:
    """No automatic collection of the oldest generation of Python's garbage collector
    inside the block (the younger ones still run); the thresholds are put back after.

    An import holds every row of its file, record and structure in memory until it ends:
    each full collection walks all of them, and CPython runs one whenever the old
    objects grow by a quarter: 21 of them in an import of 100,000 rows, 8.6 of its 48 s
    of CPU (BENCHMARKS.md). Objects of the import are freed by reference counting as
    usual; cyclic garbage that survived two young collections waits for the first full
    collection after the block.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@_no_full_collections()
def run_import(
    *,
    path: Path,
    profile: str | None = None,
    mapping_file: Path | None = None,
    dry_run: bool = False,
    accept_valid_rows: bool = False,
    progress: bool = False,
    source: str | None = None,
    resolver: Resolver | None = None,
) -> ImportReport:
    """Import a file of structures and report what happened to each record.

    Writes nothing when dry_run, or when a record is rejected and accept_valid_rows is
    false. Raises ImportFileError (message in French) when the file as a whole cannot be
    read: missing, empty, unknown format or encoding, malformed, unknown columns.
    """
    started = time.monotonic()
    parsed = parse_file(Path(path))
    chosen = _choose_profile(parsed.header, profile, mapping_file)
    report = ImportReport(
        path=Path(path),
        format=parsed.format,
        profile=chosen.name,
        dry_run=dry_run,
        accept_valid_rows=accept_valid_rows,
        row_label=parsed.row_label,
    )
    sources = set(Source.objects.values_list("slug", flat=True))
    default_source = source or chosen.source
    if default_source and default_source not in sources:
        raise ImportFileError(
            _("Source inconnue : « %(source)s ». Sources connues : %(known)s.")
            % {"source": default_source, "known": ", ".join(sorted(sources)) or _("aucune")}
        )
    context = ValidationContext(
        vocabulary=VocabularyIndex(), sources=sources, default_source=default_source
    )
    defaults, default_errors = convert_values(dict(chosen.defaults), context)
    if default_errors:
        raise ImportFileError(
            _("Valeurs par défaut invalides dans la correspondance : %s")
            % "; ".join(f"{name} : {message}" for name, message in default_errors.items())
        )

    read = {column.lower() for column in chosen.columns.values()} | {
        column.lower() for column in chosen.ignored
    }
    unread = [column for column in parsed.header if column.lower() not in read]
    if unread:
        report.warnings.append(_("Colonnes ignorées : %s.") % ", ".join(unread))

    resolver = resolver or default_resolver()
    geocoder = BanGeocoder.from_settings()
    locate = None
    if len(parsed.rows) >= VALIDATE_BESIDE_FROM:
        # A large file: each record's commune resolved, placed (unless by the geocoding
        # service, whose warnings and state are this process's) and identified right after
        # its validation, half of them beside. What they read is read here first (every
        # commune: which ones the file names is not known yet).
        early = Placer(communes=communes_by_code(None), geocoder=None) if not geocoder else None

        def locate(record: Record) -> list[FieldError]:
            errors = resolve_commune(record, resolver)
            if not errors:
                target_uid(record)  # kept in the record, as what follows
                record.duplicate_keys = duplicate_keys(record)
                if early is not None:
                    early.place(record)
                    record.slug_bases = slug_bases(record.name, record.commune_name)
            return errors

    # map → validate (→ resolve the commune → place, for a large file)
    located: list[Record] = []
    for line, result in _progress(
        _validated(parsed, chosen, context, defaults, locate),
        progress,
        _("Vérification"),
        total=len(parsed.rows),
    ):
        if isinstance(result, Record):
            located.append(result)
        else:
            report.rejected[line] = result

    # resolve the commune → place
    if locate is None:
        records, located = located, []
        for record in _progress(records, progress, _("Communes")):
            errors = resolve_commune(record, resolver)
            if errors:
                report.rejected[record.line] = errors
            else:
                located.append(record)
    if locate is None or geocoder is not None:
        placer = Placer(
            communes=communes_by_code({r.values.get("commune_code", "") for r in located}),
            geocoder=geocoder,
        )
        for record in _progress(located, progress, _("Localisation")):
            placer.place(record)
        report.warnings += placer.warnings

    # identify → duplicates → apply
    located, repeated = reject_repeated(located, parsed.row_label)
    report.rejected.update(repeated)
    report.rejected = dict(sorted(report.rejected.items()))
    matches = match_existing(located)
    uids = {r.line: matches[r.line].uid if r.line in matches else target_uid(r) for r in located}
    report.duplicates = find_duplicates(located, uids, row_label=parsed.row_label)
    plan = apply_stage.plan(located, matches)
    report.created, report.updated, report.unchanged = plan.outcomes()
    report.notes = {r.line: r.notes for r in located if r.notes}
    if not dry_run and (accept_valid_rows or not report.rejected):
        with bulk_write_cache(connection), transaction.atomic():
            apply_stage.apply(plan, file_name=Path(path).name)
            report.written = bool(plan.creates or plan.updates)
            if report.written:
                ImportRun.objects.create(
                    file_name=path.name,
                    format=report.format,
                    profile=report.profile,
                    created=len(report.created),
                    updated=len(report.updated),
                    unchanged=len(report.unchanged),
                    rejected=len(report.rejected),
                )
        if len(plan.creates) + len(plan.updates) >= ANALYZE_AFTER_ROWS:
            structures_analyze()
    report.seconds = time.monotonic() - started
    event(
        "import.finished",
        format=report.format,
        profile=report.profile,
        dry_run=dry_run,
        written=report.written,
        created=len(report.created),
        updated=len(report.updated),
        unchanged=len(report.unchanged),
        rejected=len(report.rejected),
        duplicates=len(report.duplicates),
        seconds=round(report.seconds, 2),
    )
    return report
