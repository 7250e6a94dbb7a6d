"""The public read API, /api/v1/, documented by its OpenAPI document."""

from __future__ import annotations

import datetime
import io
import re
from typing import Literal

from django.conf import settings
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError

from maillage.api import schemas
from maillage.api.cache import request_data_version
from maillage.exports.record_models import (
    ContactRecord,
    InitiativeRecord,
    PartnerRecord,
    ValueExampleRecord,
)
from maillage.exports.serialize import (
    ListRow,
    list_rows,
    nested_object,
    published_structure,
    record,
)
from maillage.exports.writers import CONTENT_TYPES, FORMATS, export_structures
from maillage.matchmaking.api import router as matchmaking_router
from maillage.referential.models import Commune, Department, Epci, Region
from maillage.structures import text_search
from maillage.structures.facets import facet_counts_and_total
from maillage.structures.filters import StructureFilters
from maillage.structures.models import ResilienceInitiative, Structure, Term
from maillage.structures.pagination import InvalidCursor, paginate
from maillage.structures.version_cache import kept_mapping
from maillage.structures.vocabularies import vocabulary

api = NinjaAPI(
    title="Maillage API",
    version="1.0.0",
    description=(
        "API ouverte de l'atlas Maillage des structures d'innovation ouverte dans les "
        "territoires. Lecture seule, sans clé, ouverte à toutes les origines (CORS), limitée "
        "par adresse cliente (en-têtes RateLimit-*). Données sous "
        f"{settings.DATA_LICENCE} ({settings.DATA_LICENCE_URL})."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)

ERRORS = {422: schemas.ErrorOut}

api.add_router("/", matchmaking_router)
# The partnership network (maillage.network), under /api/v1/network.
api.add_router("/network", "maillage.network.api.router")


def _filters(request: HttpRequest) -> StructureFilters:
    """The filters of the request, or a 422 naming every parameter that can't be used.

    The vocabularies' keys are those kept under the request's data version (read anyway by
    the answer cache; maillage.structures.version_cache), not read on every request."""
    filters = StructureFilters.parse(request.GET, version=request_data_version(request))
    if filters.problems:
        raise ValidationError(
            [
                {"loc": ["query", p.parameter], "msg": p.message, "input": p.value}
                for p in filters.problems
            ]
        )
    return filters


def _page_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


@api.get(
    "/structures",
    response={200: schemas.StructureList, **ERRORS},
    tags=["structures"],
    summary="Liste filtrée des structures publiées",
)
def structure_list(request: HttpRequest, query: Query[schemas.ListQuery]):
    filters = _filters(request)
    sort = query.sort or ("relevance" if filters.q else "distance" if filters.near else "name")
    if (sort == "relevance" and not filters.q) or (sort == "distance" and not filters.near):
        needed = "q" if sort == "relevance" else "near"
        raise ValidationError(
            [
                {
                    "loc": ["query", "sort"],
                    "msg": f"Le tri « {sort} » demande le paramètre « {needed} ».",
                    "input": sort,
                }
            ]
        )

    def matches():  # built only when the page is read from it (not by tiers)
        return filters.apply(Structure.objects.published(), rank=sort == "relevance")

    ranked = None
    if sort == "relevance":
        others = filters.without("q")
        ranked = text_search.ranked_search(
            # Built only where a tier reads through the ORM (not the published-only ones).
            lambda: others.apply(Structure.objects.published(), rank=False),
            filters.q,
            published_only=others.is_empty(),
        )
    try:
        page = paginate(
            matches,
            sort=sort,
            limit=query.limit,
            cursor=query.cursor,
            # The sort reads keys only; the page's rows are then read in full.
            load=list_rows,
            carry=("distance_km",) if filters.near else (),
            count=True,
            ranked=ranked,
        )
    except InvalidCursor:
        raise ValidationError(
            [
                {
                    "loc": ["query", "cursor"],
                    "msg": "Curseur invalide : utilisez l'adresse `next` ou `previous` d'une "
                    "réponse précédente, avec le même tri.",
                    "input": query.cursor,
                }
            ]
        ) from None
    count = (
        page.count
        if page.count is not None
        else filters.apply(Structure.objects.published(), rank=False).count()
    )
    url = _structure_url()
    # Written by the API's renderer from plain records, in the schema's order of fields:
    # the JSON that the schema's instances gave (tests/api/test_list_output.py checks it
    # byte for byte), without validating each field again (2 ms for a page of 20, search5)
    # nor making an instance per record (0.3 ms, search8).
    return api.create_response(
        request,
        {
            "count": count,
            "next": _page_url(request, page.next_cursor),
            "previous": _page_url(request, page.previous_cursor),
            "licence": settings.DATA_LICENCE,
            "results": [_list_item(structure, url) for structure in page.items],
        },
        status=200,
    )


_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _structure_url():
    """get_absolute_url() for the structures of a list, one reverse() for all of them: a
    slug is a path segment that reverse() writes as it is."""
    placeholder = "0-slug-0"
    template = reverse("web:structure_detail", args=[placeholder])
    before, _, after = template.partition(placeholder)

    def url(structure: ListRow) -> str:
        if _SLUG.fullmatch(structure.slug):
            return before + structure.slug + after
        return structure.get_absolute_url()

    return url


def _list_item(structure: ListRow, url) -> dict:
    """A list page's record as schemas.StructureListItem writes it (its fields in order)."""
    distance = getattr(structure, "distance_km", None)
    return {
        "url": url(structure),
        **record(structure),
        "distance_km": None if distance is None else round(distance, 3),
    }


@api.get(
    "/structures/{structure_id}",
    response={200: schemas.StructureDetail, 404: schemas.ErrorOut},
    tags=["structures"],
    summary="Une structure, par son identifiant stable",
)
def structure_detail(request: HttpRequest, structure_id: str):
    structure = published_structure(structure_id)
    if structure is None:
        raise Http404
    return _detail(nested_object(structure), structure.get_absolute_url())


def _detail(item: dict, url: str) -> schemas.StructureDetail:
    """The schema's instance, built without validating again each field of a record the
    export columns made (as the list's items; tests/api/test_detail_output.py checks the
    JSON against the validated one)."""
    nested = {
        "partners": [PartnerRecord.model_construct(**partner) for partner in item["partners"]],
        "value_examples": [
            ValueExampleRecord.model_construct(**example) for example in item["value_examples"]
        ],
        "contacts": [ContactRecord.model_construct(**contact) for contact in item["contacts"]],
        "resilience_initiatives": [
            InitiativeRecord.model_construct(
                **{
                    **initiative,
                    # The schema's dates (nested_object() writes them as ISO text).
                    "started_on": _date(initiative["started_on"]),
                    "ended_on": _date(initiative["ended_on"]),
                }
            )
            for initiative in item["resilience_initiatives"]
        ],
    }
    return schemas.StructureDetail.model_construct(**{**item, **nested, "url": url})


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@api.get(
    "/facets",
    response={200: schemas.FacetsOut, **ERRORS},
    tags=["structures"],
    summary="Nombre de structures par valeur de chaque filtre",
)
def facets(request: HttpRequest, query: Query[schemas.FacetsQuery]):
    filters = _filters(request)
    published = Structure.objects.published()
    only = tuple(dict.fromkeys(query.facet or ()))
    counts, total = facet_counts_and_total(filters=filters, queryset=published, only=only)
    version = request_data_version(request)
    labels = vocabulary(version).labels
    kinds = {
        "type": "type",
        "theme": "theme",
        "format": "format",
        "audience": "actor",
        "partner": "actor",
    }
    names = {
        **{
            ("region", code): (name, name)
            for code, name in (_region_names(version).items() if "region" in counts else ())
        },
        **{
            ("department", code): (name, name)
            for code, name in (_department_names(version).items() if "department" in counts else ())
        },
        **{("territory", k): (str(label), str(label)) for k, label in Epci.Kind.choices},
        **{("size", k): (str(label), str(label)) for k, label in Commune.SizeClass.choices},
        ("resilience", "yes"): ("Avec initiative de résilience", "With a resilience initiative"),
        ("resilience", "no"): ("Sans initiative de résilience", "Without a resilience initiative"),
        ("verified", "yes"): ("Vérifiée", "Verified"),
        ("verified", "no"): ("Non vérifiée", "Not verified"),
    }

    def label(parameter: str, value: str) -> tuple[str, str]:
        if parameter in kinds:
            return labels.get((kinds[parameter], value), (value, value))
        return names.get((parameter, value), (value, value))

    # Built as the schema's instances: Ninja then writes them out without validating again
    # each value (as the list's items; tests/api/test_structures_api.py checks the JSON).
    return schemas.FacetsOut.model_construct(
        count=total if total is not None else filters.apply(published, rank=False).count(),
        licence=settings.DATA_LICENCE,
        facets={
            parameter: [
                schemas.FacetValue.model_construct(
                    value=value,
                    label_fr=label(parameter, value)[0],
                    label_en=label(parameter, value)[1],
                    count=count,
                )
                for value, count in sorted(values.items(), key=lambda item: (-item[1], item[0]))
            ]
            for parameter, values in counts.items()
        },
    )


def _region_names(version: str) -> dict[str, str]:
    """{code: name} of the regions, kept per data version (maillage.structures.version_cache)."""
    return kept_mapping(
        version, "region names", lambda: dict(Region.objects.values_list("code", "name"))
    )


def _department_names(version: str) -> dict[str, str]:
    return kept_mapping(
        version, "department names", lambda: dict(Department.objects.values_list("code", "name"))
    )


@api.get(
    "/vocabularies",
    response={200: schemas.VocabulariesOut},
    tags=["vocabulaires"],
    summary="Vocabulaires (types, thèmes, formats, acteurs, résilience), en français et anglais",
)
def vocabularies(request: HttpRequest):
    grouped: dict[str, list[Term]] = {kind: [] for kind in Term.Kind.values}
    for term in Term.objects.all():
        grouped[term.kind].append(term)
    return {"licence": settings.DATA_LICENCE, "vocabularies": grouped}


def _territories(rows, counts: dict, populations: dict) -> dict:
    results = [
        {
            "code": code,
            "name": name,
            "parent": parent,
            "kind": kind,
            "population": populations.get(code) or 0,
            "structures": counts.get(code, 0),
        }
        for code, name, parent, kind in rows
    ]
    return {"count": len(results), "licence": settings.DATA_LICENCE, "results": results}


def _counts(lookup: str) -> dict:
    rows = Structure.objects.published().values_list(lookup).annotate(n=Count("pk")).order_by()
    return dict(rows)


def _populations(lookup: str) -> dict:
    rows = Commune.objects.values_list(lookup).annotate(p=Sum("population")).order_by()
    return dict(rows)


@api.get("/territories/regions", response=schemas.TerritoryList, tags=["territoires"])
def regions(request: HttpRequest):
    """Régions, avec leur population municipale et leur nombre de structures publiées."""
    return _territories(
        [(r.code, r.name, None, None) for r in Region.objects.all()],
        _counts("commune__department__region"),
        _populations("department__region"),
    )


@api.get("/territories/departments", response=schemas.TerritoryList, tags=["territoires"])
def departments(request: HttpRequest):
    """Départements, avec leur région, leur population et leur nombre de structures."""
    return _territories(
        [(d.code, d.name, d.region_id, None) for d in Department.objects.all()],
        _counts("commune__department"),
        _populations("department"),
    )


@api.get("/territories/epci", response=schemas.TerritoryList, tags=["territoires"])
def epcis(request: HttpRequest):
    """EPCI à fiscalité propre, avec leur nature, leur population et leur nombre de structures."""
    return _territories(
        [(e.code, e.name, None, e.kind) for e in Epci.objects.all()],
        _counts("commune__epci"),
        _populations("epci"),
    )


@api.get(
    "/territories/communes",
    response={200: schemas.TerritoryList, **ERRORS},
    tags=["territoires"],
)
def communes(request: HttpRequest, department: str = Query(..., min_length=2, max_length=3)):
    """Communes d'un département (code INSEE), avec population et nombre de structures."""
    department_communes = Commune.objects.filter(department_id=department.upper())
    counts = dict(
        Structure.objects.published()
        .filter(commune__department_id=department.upper())
        .values_list("commune")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _territories(
        [(c.code, c.name, c.department_id, c.size_class) for c in department_communes],
        counts,
        {c.code: c.population for c in department_communes},
    )


@api.get(
    "/resilience-initiatives",
    response={200: schemas.InitiativeList, **ERRORS},
    tags=["structures"],
    summary="Initiatives de résilience des structures filtrées",
)
def resilience_initiatives(request: HttpRequest, query: Query[schemas.FilterQuery]):
    filters = _filters(request)
    structures = filters.apply(Structure.objects.published(), rank=False)
    initiatives = ResilienceInitiative.objects.filter(
        structure__in=structures.values("pk")
    ).select_related("structure", "category")
    results = [
        {
            "title": item.title,
            "description": item.description,
            "category": item.category.slug if item.category else "",
            "started_on": item.started_on,
            "ended_on": item.ended_on,
            "structure_id": item.structure.uid,
            "structure_name": item.structure.name,
        }
        for item in initiatives
    ]
    return {"count": len(results), "licence": settings.DATA_LICENCE, "results": results}


@api.get(
    "/exports/{format}",
    tags=["structures"],
    summary="Téléchargement des structures filtrées (CSV, XLSX, GeoJSON, JSON)",
    response={422: schemas.ErrorOut},
    openapi_extra={
        "responses": {
            "200": {
                "description": "Le fichier, avec les mêmes colonnes que les exports complets "
                "(voir la Table Schema sur /donnees/).",
                "content": {CONTENT_TYPES[name].split(";")[0]: {} for name in FORMATS},
            }
        }
    },
)
def export(
    request: HttpRequest,
    format: Literal[FORMATS],  # type: ignore[valid-type]  # noqa: A002
    query: Query[schemas.FilterQuery],
):
    filters = _filters(request)
    stream = io.BytesIO()
    export_structures(
        queryset=filters.apply(Structure.objects.published(), rank=False),
        format=format,
        stream=stream,
    )
    response = HttpResponse(stream.getvalue(), content_type=CONTENT_TYPES[format])
    filename = f"maillage-structures-{timezone.localdate():%Y-%m-%d}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Editions have their own router (maillage.api.editions_api).
from maillage.api.editions_api import router as _editions_router  # noqa: E402

api.add_router("/editions", _editions_router)
api.add_router("/practices", "maillage.api.practices.router")
