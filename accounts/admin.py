from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Authority, Cover, Membership, Team, User


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "gss_code", "active"]
    list_filter = ["active"]
    search_fields = ["name", "gss_code"]
    readonly_fields = ["gss_code"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # The 33 London authorities are loaded by a migration.

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "authority", "trial_arm", "active"]
    list_filter = ["active", "trial_arm", "authority"]
    search_fields = ["name"]
    list_select_related = ["authority"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["team", "authority"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    search_fields = ["full_name", "email"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        ("Access", {"fields": ("is_active", "is_staff")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []


@admin.register(Cover)
class CoverAdmin(admin.ModelAdmin):
    list_display = ["team", "absent_coach", "covering_coach", "starts_on", "ends_on"]
    list_select_related = ["team__authority", "absent_coach", "covering_coach"]
    autocomplete_fields = ["team", "absent_coach", "covering_coach"]
    exclude = ["arranged_by"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.arranged_by = request.user
        super().save_model(request, obj, form, change)
