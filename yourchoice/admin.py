from django.contrib import admin

from yourchoice.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Sign-in events and failures, and who did what. Read-only: the table is append-only."""

    list_display = ["at", "action", "actor_id", "object_type", "object_id", "ip_address"]
    list_filter = ["action"]
    date_hierarchy = "at"
    search_fields = ["action"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
