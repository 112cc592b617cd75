from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from yourchoice.audit.actions import AuditAction, action_label
from yourchoice.models import AuditEvent, SignInEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """The trail is append-only in the database; the admin offers no way to try otherwise."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Who did what to the service itself (accounts, tokens, authorities). Read-only: the table
    is append-only. Events about a young person's record are left out: administrators see no
    case content by default, and each record's trail is its borough lead's to read."""

    list_display = ["at", "action", "actor_id", "object_type", "object_id", "ip_address"]
    list_filter = ["action"]
    date_hierarchy = "at"
    search_fields = ["action"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).filter(young_person_id__isnull=True)


class SignInOutcomeFilter(admin.SimpleListFilter):
    title = "what happened"
    parameter_name = "outcome"
    OUTCOMES = {
        "succeeded": (
            "Signed in",
            [
                AuditAction.SIGNIN_SUCCEEDED,
                AuditAction.SIGNIN_PASSKEY,
                AuditAction.SIGNIN_COUNCIL,
                AuditAction.SIGNIN_COUNCIL_CHECKED,
            ],
        ),
        "failed": (
            "Failed",
            [
                AuditAction.SIGNIN_FAILED,
                AuditAction.SIGNIN_CODE_FAILED,
                AuditAction.SIGNIN_PASSKEY_FAILED,
                AuditAction.SIGNIN_COUNCIL_REFUSED,
            ],
        ),
        "locked_out": ("Locked out", [AuditAction.SIGNIN_LOCKED_OUT]),
        "app_set_up": (
            "Set up an app, or followed a link to",
            [
                AuditAction.SIGNIN_APP_SET_UP,
                AuditAction.SIGNIN_LINK_USED,
                AuditAction.SIGNIN_LINK_REFUSED,
                AuditAction.SIGNIN_SET_UP_REFUSED,
            ],
        ),
        "passkeys": (
            "Added or removed a passkey",
            [AuditAction.SIGNIN_PASSKEY_ADDED, AuditAction.SIGNIN_PASSKEY_REMOVED],
        ),
        "signed_out": ("Signed out", [AuditAction.SIGNOUT, AuditAction.SIGNOUT_COUNCIL]),
    }

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.OUTCOMES.items()]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[SignInEvent]
    ) -> QuerySet[SignInEvent]:
        if self.value() in self.OUTCOMES:
            return queryset.filter(action__in=self.OUTCOMES[self.value()][1])  # type: ignore[index]  # in OUTCOMES, checked above
        return queryset


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    """Sign-ins, failures and lockouts, newest first, with the account each concerned. A failure
    for an address with no account keeps only a hint of what was typed."""

    list_display = ["at", "event", "account", "typed_address", "why", "ip_address"]
    list_filter = [SignInOutcomeFilter]
    date_hierarchy = "at"
    fields = ["at", "event", "account", "typed_address", "why", "ip_address"]
    readonly_fields = fields  # type: ignore[assignment]  # the same flat list of names

    def get_queryset(self, request: HttpRequest) -> QuerySet[SignInEvent]:
        # A failure names its account as the object; a success as the actor. One query either way.
        account = get_user_model().objects.filter(pk=OuterRef("account_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(account_id=Coalesce("actor_id", "object_id"))
            .annotate(
                account_email=Subquery(account.values("email")[:1]),
                account_name=Subquery(account.values("full_name")[:1]),
            )
        )

    @admin.display(description="Event", ordering="action")
    def event(self, obj: SignInEvent) -> str:
        return action_label(obj.action)

    @admin.display(description="Account")
    def account(self, obj: SignInEvent) -> str:
        email = getattr(obj, "account_email", None)
        if email:
            return f"{obj.account_name} <{email}>"  # type: ignore[attr-defined]  # get_queryset() annotates it
        return "No such account" if "email_hint" in obj.detail else "Not recorded"

    @admin.display(description="Address typed (unknown accounts only)")
    def typed_address(self, obj: SignInEvent) -> str:
        return obj.detail.get("email_hint", "")

    @admin.display(description="Why (refusals)")
    def why(self, obj: SignInEvent) -> str:
        """A council sign-in's refusal reason and, for an answer that proved nothing, what was
        wrong with it (accounts/council/services.py, oidc.py)."""
        return " ".join(str(obj.detail[k]) for k in ("reason", "problem") if k in obj.detail)
