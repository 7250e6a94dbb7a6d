"""Admin of practice sheets: editors list, filter and correct them; the rendered body and
the search columns are recomputed on save, as the public form does."""

from django.contrib import admin
from django.utils import timezone

from maillage.practices.models import PracticeSheet
from maillage.practices.services import practice_search_refresh


@admin.register(PracticeSheet)
class PracticeSheetAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "published_at", "updated_at", "author"]
    list_filter = ["status", "kind", "themes"]
    search_fields = ["title", "summary", "slug"]
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["structures"]
    filter_horizontal = ["themes", "formats"]
    raw_id_fields = ["author"]
    readonly_fields = ["created_at", "updated_at", "published_at"]

    def save_model(self, request, obj, form, change):
        if obj.is_published and obj.published_at is None:
            obj.published_at = timezone.now()
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)
        practice_search_refresh(sheets=[obj])
