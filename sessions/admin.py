from django.contrib import admin

from sessions.models import Technique


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "display_order"]
    list_editable = ["active", "display_order"]
    prepopulated_fields = {"code": ["name"]}

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # Retire a technique instead: sessions already refer to it.
