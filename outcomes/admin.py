from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from outcomes.models import MeasureDefinition


@admin.register(MeasureDefinition)
class MeasureDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "min_age", "max_age", "active"]
    readonly_fields = ["code", "version", "scoring", "items", "windows"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # New measures arrive with their scorer, in a migration.

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
