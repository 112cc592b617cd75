from django.contrib import admin

from outcomes.models import MeasureDefinition


@admin.register(MeasureDefinition)
class MeasureDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "min_age", "max_age", "active"]
    readonly_fields = ["code", "version", "scoring", "items", "windows"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # New measures arrive with their scorer, in a migration.

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
