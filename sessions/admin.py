from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from sessions.models import Technique


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "display_order"]
    list_editable = ["active", "display_order"]
    prepopulated_fields = {"code": ["name"]}

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # Retire a technique instead: sessions already refer to it.
