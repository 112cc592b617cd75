"""The administration site: administrators only, after two-factor sign-in."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class AdminSite(admin.AdminSite):
    site_header = "Your Choice administration"
    site_title = "Your Choice administration"
    index_title = "Authorities, teams, accounts and reference lists"

    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module is loaded while the app registry is still being built.
        from accounts import access
        from accounts.access import Perm

        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and user.is_verified()  # type: ignore[attr-defined]  # django-otp's middleware adds it
            and access.has_perm(user, Perm.SERVICE_ADMIN)
        )


class YourChoiceAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.AdminSite"
