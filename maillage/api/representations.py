"""Structures as the API shows them, from querysets loaded with `with_relations`."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from maillage.structures.models import Contact, Structure, Term

_TERM_ONLY = Term.objects.only("id", "slug")


def with_relations(queryset: QuerySet, *, detail: bool = False) -> QuerySet:
    """The queryset with what a representation reads, in a fixed number of queries."""
    queryset = queryset.select_related(
        "main_type", "commune__department", "commune__epci"
    ).prefetch_related(
        Prefetch("secondary_types", queryset=_TERM_ONLY),
        Prefetch("themes", queryset=_TERM_ONLY),
        Prefetch("formats", queryset=_TERM_ONLY),
        Prefetch("audiences", queryset=_TERM_ONLY),
        Prefetch("partner_kinds", queryset=_TERM_ONLY),
    )
    if detail:
        queryset = queryset.select_related("source").prefetch_related(
            "partners__kind",
            "partners__partner_structure",
            "value_examples",
            Prefetch(
                "contacts",
                queryset=Contact.objects.filter(publication_consent=True),
                to_attr="public_contacts",
            ),
            "resilience_initiatives__category",
        )
    return queryset


def _slugs(terms) -> list[str]:
    return [term.slug for term in terms.all()]


def summary(structure: Structure) -> dict:
    commune = structure.commune
    epci = commune.epci if commune else None
    return {
        "id": structure.uid,
        "slug": structure.slug,
        "name": structure.name,
        "acronym": structure.acronym,
        "main_type": structure.main_type.slug,
        "secondary_types": _slugs(structure.secondary_types),
        "short_description": structure.short_description,
        "commune": {"code": commune.code, "name": commune.name} if commune else None,
        "department": commune.department_id if commune else None,
        "region": commune.department.region_id if commune else None,
        "epci": {"code": epci.code, "name": epci.name, "kind": epci.kind} if epci else None,
        "latitude": structure.latitude,
        "longitude": structure.longitude,
        "geo_precision": structure.geo_precision,
        "website": structure.website,
        "themes": _slugs(structure.themes),
        "formats": _slugs(structure.formats),
        "audiences": _slugs(structure.audiences),
        "partner_kinds": _slugs(structure.partner_kinds),
        "verified": structure.is_verified,
        "last_verified_at": structure.last_verified_at,
        "updated_at": structure.updated_at,
        "url": structure.get_absolute_url(),
        "distance_km": None
        if (d := getattr(structure, "distance_km", None)) is None
        else round(d, 3),
    }


def detail(structure: Structure) -> dict:
    source = structure.source
    return {
        **summary(structure),
        "description": structure.description,
        "address": structure.address,
        "postcode": structure.postcode,
        "geo_source": structure.geo_source,
        "twitter": structure.twitter,
        "facebook": structure.facebook,
        "linkedin": structure.linkedin,
        "year_founded": structure.year_founded,
        "legal_form": structure.legal_form,
        "siret": structure.siret,
        "status": structure.status,
        "partners": [
            {
                "name": partner.name,
                "kind": partner.kind.slug if partner.kind else None,
                "structure_id": (
                    partner.partner_structure.uid if partner.partner_structure else None
                ),
            }
            for partner in structure.partners.all()
        ],
        "value_examples": [
            {"title": example.title, "description": example.description}
            for example in structure.value_examples.all()
        ],
        "contacts": [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
            for c in structure.public_contacts
        ],
        "resilience_initiatives": [initiative(i) for i in structure.resilience_initiatives.all()],
        "source": {
            "slug": source.slug,
            "name": source.name,
            "url": source.url,
            "licence": source.licence,
            "attribution": source.attribution,
        },
        "source_record_id": structure.source_record_id,
        "verified_by": structure.verified_by,
    }


def initiative(item) -> dict:
    return {
        "title": item.title,
        "description": item.description,
        "category": item.category.slug if item.category else None,
        "started_on": item.started_on,
        "ended_on": item.ended_on,
    }
