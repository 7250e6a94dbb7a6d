"""Admin for the referential: read-mostly, since `maillage load_referential` owns the data."""

from django.contrib import admin

from maillage.referential.models import Commune, CommuneAlias, Department, Epci, Region


class ReadMostlyAdmin(admin.ModelAdmin):
    """Viewing and searching only: a reload would overwrite any hand edit."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Region)
class RegionAdmin(ReadMostlyAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(ReadMostlyAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]


@admin.register(Epci)
class EpciAdmin(ReadMostlyAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


class CommuneAliasInline(admin.TabularInline):
    model = CommuneAlias
    fields = ["code", "name", "kind"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Commune)
class CommuneAdmin(ReadMostlyAdmin):
    list_display = ["code", "name", "department", "epci", "population", "size_class"]
    list_filter = ["size_class", "department__region", "epci__kind"]
    search_fields = ["=code", "^name", "postcodes"]
    list_select_related = ["department", "epci"]
    inlines = [CommuneAliasInline]


@admin.register(CommuneAlias)
class CommuneAliasAdmin(ReadMostlyAdmin):
    list_display = ["code", "name", "kind", "commune"]
    list_filter = ["kind"]
    search_fields = ["=code", "name", "commune__name"]
    list_select_related = ["commune"]
