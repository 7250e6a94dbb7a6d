"""Admin of the structures and their vocabularies, for editors and moderators."""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from maillage.contributions.models import StructureRevision
from maillage.contributions.records import structure_snapshot
from maillage.contributions.services import revision_record
from maillage.structures.models import (
    Contact,
    NamedPartner,
    ResilienceInitiative,
    Source,
    Structure,
    Term,
    ValueExample,
)
from maillage.structures.text_search import structure_search_refresh
from maillage.web.templatetags.maillage_web import css_color


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["label_fr", "label_en", "kind", "slug", "colour_swatch", "position"]
    list_display_links = ["label_fr"]
    list_editable = ["position"]
    list_filter = ["kind"]
    search_fields = ["label_fr", "label_en", "slug"]
    ordering = ["kind", "position", "label_fr"]
    fieldsets = [
        (None, {"fields": ["kind", "slug", "position", "color"]}),
        (_("Français"), {"fields": ["label_fr", "description_fr"]}),
        (_("Anglais"), {"fields": ["label_en", "description_en"]}),
    ]

    @admin.display(description=_("couleur"))
    def colour_swatch(self, term: Term):
        if not term.color:
            return "—"
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;border-radius:50%;'
            'vertical-align:middle;background:{}"></span> {}',
            css_color(term.color),
            term.color,
        )


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "licence", "published_on", "structure_count"]
    search_fields = ["name", "slug", "attribution"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(structure_count=Count("structures"))

    @admin.display(description=_("structures"), ordering="structure_count")
    def structure_count(self, source: Source) -> int:
        return source.structure_count


class NamedPartnerInline(admin.TabularInline):
    model = NamedPartner
    fk_name = "structure"
    extra = 0
    autocomplete_fields = ["partner_structure"]
    fields = ["name", "kind", "partner_structure"]


class ValueExampleInline(admin.StackedInline):
    model = ValueExample
    extra = 0


class ContactInline(admin.StackedInline):
    model = Contact
    extra = 0
    fields = [("name", "role"), ("email", "phone"), ("publication_consent", "consent_recorded_at")]


class ResilienceInitiativeInline(admin.StackedInline):
    model = ResilienceInitiative
    extra = 0
    fields = ["title", "category", ("started_on", "ended_on"), "description"]


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "main_type", "commune", "status", "source", "verified", "updated_at"]
    list_filter = [
        "status",
        "main_type",
        "source",
        "geo_precision",
        ("last_verified_at", admin.EmptyFieldListFilter),
        "commune__department__region",
    ]
    list_select_related = ["main_type", "commune", "source"]
    search_fields = ["name", "acronym", "uid", "slug", "siret", "commune__name", "source_record_id"]
    date_hierarchy = "updated_at"
    # Needs the searchable Commune admin of maillage.referential.
    autocomplete_fields = ["commune"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    inlines = [
        NamedPartnerInline,
        ValueExampleInline,
        ContactInline,
        ResilienceInitiativeInline,
    ]
    fieldsets = [
        (
            _("Identité"),
            {"fields": [("name", "acronym"), ("uid", "slug"), "siret", "status"]},
        ),
        (
            _("Type et description"),
            {"fields": ["main_type", "secondary_types", "short_description", "description"]},
        ),
        (
            _("Localisation"),
            {
                "fields": [
                    "address",
                    ("postcode", "commune"),
                    ("latitude", "longitude"),
                    ("geo_precision", "geo_source"),
                ]
            },
        ),
        (
            _("En ligne et organisation"),
            {
                "fields": [
                    "website",
                    ("linkedin", "twitter", "facebook"),
                    ("year_founded", "legal_form"),
                ]
            },
        ),
        (
            _("Activité"),
            {"fields": ["themes", "formats", "audiences", "partner_kinds"]},
        ),
        (
            _("Provenance"),
            {
                "fields": [
                    ("source", "source_record_id"),
                    ("last_verified_at", "verified_by"),
                    "provenance_note",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    @admin.display(description=_("vérifiée"), boolean=True, ordering="last_verified_at")
    def verified(self, structure: Structure) -> bool:
        return structure.is_verified

    def save_model(self, request, obj, form, change):
        # The record before the edit, for its revision (see save_related).
        request.structure_before = structure_snapshot(obj.pk) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Names, types, themes and commune feed the search index: recompute it once all
        # relations are saved.
        structure_search_refresh(structures=[form.instance])
        revision_record(
            structure=form.instance,
            before=getattr(request, "structure_before", None),
            origin=StructureRevision.Origin.ADMIN,
            author=request.user,
        )
