from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from accounts.council import services as council_services
from accounts.council.secrets import seal
from accounts.models import (
    ApiToken,
    Authority,
    CouncilEmailDomain,
    CouncilIdentityProvider,
    Cover,
    EnrolmentLinkPurpose,
    Membership,
    Team,
    User,
)
from accounts.people import links
from accounts.tokens import api_token_issue, api_token_revoke
from yourchoice import audit
from yourchoice.audit.actions import AuditAction

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "gss_code", "active", "retain_until_age", "retain_years_after_closure"]
    list_filter = ["active"]
    search_fields = ["name", "gss_code"]
    readonly_fields = ["gss_code"]
    fieldsets = (
        (None, {"fields": ("name", "gss_code", "active")}),
        (
            "How long young people's records are kept",
            {
                "fields": ("retain_until_age", "retain_years_after_closure"),
                "description": "Records are kept until the later of the two dates, then the "
                "borough lead decides whether to anonymise them or keep them longer.",
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # The 33 London authorities are loaded by a migration.

    def save_model(
        self, request: HttpRequest, obj: Authority, form: "ModelForm[Authority]", change: bool
    ) -> None:
        # A new retention rule moves every young person's review date in the borough: who
        # changed it, and from what to what, is kept in the audit trail.
        before = {f: form.initial.get(f) for f in form.changed_data}
        super().save_model(request, obj, form, change)
        if form.changed_data:
            audit.record(
                actor=cast(User, request.user),  # the admin site serves only signed-in staff
                action=AuditAction.AUTHORITY_UPDATE,
                obj=obj,
                authority_id=obj.pk,
                changes={f: [before[f], getattr(obj, f)] for f in form.changed_data},
            )

    def has_delete_permission(self, request: HttpRequest, obj: Authority | None = None) -> bool:
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
    actions = ["send_sign_in_link"]

    @admin.action(description="Email a link to set up sign-in (a new account, or a lost phone)")
    def send_sign_in_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """The only way an account gets its second step (docs/people.md): for accounts no
        borough lead runs, or any the administrator makes here."""
        sent = 0
        for person in queryset.filter(is_active=True):
            links.issue(
                actor=cast(User, request.user),  # the admin site serves only signed-in staff
                person=person,
                purpose=EnrolmentLinkPurpose.INVITATION,
                authority=None,
            )
            sent += 1
        self.message_user(request, f"Links emailed: {sent}. Each works once, for 7 days.")


@admin.register(Cover)
class CoverAdmin(admin.ModelAdmin):
    list_display = ["team", "absent_coach", "covering_coach", "starts_on", "ends_on"]
    list_select_related = ["team__authority", "absent_coach", "covering_coach"]
    autocomplete_fields = ["team", "absent_coach", "covering_coach"]
    exclude = ["arranged_by"]

    def save_model(
        self, request: HttpRequest, obj: Cover, form: "ModelForm[Cover]", change: bool
    ) -> None:
        obj.arranged_by = cast(User, request.user)  # the admin site serves only signed-in staff
        super().save_model(request, obj, form, change)


class ApiTokenForm(forms.ModelForm):
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=366, initial=90)

    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens for system clients. The secret is shown once, when the token is made."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_select_related = ["user"]
    actions = ["revoke"]
    autocomplete_fields = ["user"]

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> "type[ModelForm[Any]]":
        if obj is None:
            kwargs["form"] = ApiTokenForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        if obj is None:
            return []
        return [
            "user",
            "name",
            "prefix",
            "created_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> "_FieldGroups":
        if obj is None:
            return ["user", "name", "days"]
        return [*self.get_readonly_fields(request, obj)]

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: "ModelForm[ApiToken]", change: bool
    ) -> None:
        if change:
            return
        token, key = api_token_issue(
            actor=cast(User, request.user),  # the admin site serves only signed-in staff
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        obj.pk = token.pk
        # Kept on the request for `response_add`, which shows it on the page it answers with.
        request.issued_token = (token, key)  # type: ignore[attr-defined]  # for response_add

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The secret is shown on the answer to the form itself, never through the messages
        framework: its cookie is signed, not encrypted, so the secret would travel in it (and
        sit in the browser) until the next page. Nothing may keep a copy of this page."""
        token, key = request.issued_token  # type: ignore[attr-defined]  # save_model's, above
        response = TemplateResponse(
            request,
            "admin/accounts/apitoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "token": token,
                "key": key,
            },
        )
        add_never_cache_headers(response)
        return response

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_token_revoke(actor=cast(User, request.user), token=token)  # staff, signed in


# --- Council sign-in (X7, docs/sign-in.md) ---------------------------------------------------


class CouncilEmailDomainForm(forms.ModelForm):
    class Meta:
        model = CouncilEmailDomain
        fields = ["domain"]

    def clean_domain(self) -> str:
        return str(self.cleaned_data["domain"]).strip().lower().lstrip("@")


class CouncilEmailDomainInline(admin.TabularInline):
    model = CouncilEmailDomain
    form = CouncilEmailDomainForm
    extra = 1
    verbose_name = "allowed email domain"
    verbose_name_plural = "allowed email domains: only accounts with these addresses sign in here"


class CouncilIdentityProviderForm(forms.ModelForm):
    """The secret is typed, encrypted and never shown again: the field is always empty, and
    left empty it keeps the secret stored."""

    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = CouncilIdentityProvider
        fields = [
            "authority",
            "enabled",
            "issuer",
            "client_id",
            "email_verified_claim",
            "council_mfa_counts",
            "mfa_amr_values",
            "mfa_acr_values",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = bool(self.instance.pk and self.instance.client_secret_sealed)
        self.fields["client_secret"].required = not stored
        self.fields["client_secret"].help_text = (
            "A secret is stored (encrypted, and not shown). Type a new one only to replace it."
            if stored
            else "From the council's app registration. It is stored encrypted and not shown again."
        )

    def clean_issuer(self) -> str:
        issuer = str(self.cleaned_data["issuer"]).strip()
        if not issuer.startswith("https://") and not settings.COUNCIL_SIGN_IN_ALLOW_HTTP:
            raise forms.ValidationError("Enter the issuer's https address.")
        return issuer

    def clean_client_id(self) -> str:
        return str(self.cleaned_data["client_id"]).strip()


@admin.register(CouncilIdentityProvider)
class CouncilIdentityProviderAdmin(admin.ModelAdmin):
    """Each authority's own identity provider. Saved here, it is used from the next sign-in."""

    form = CouncilIdentityProviderForm
    inlines = [CouncilEmailDomainInline]
    list_display = ["authority", "issuer", "enabled", "council_mfa_counts", "domains"]
    list_filter = ["enabled", "council_mfa_counts"]
    list_select_related = ["authority"]
    search_fields = ["authority__name", "issuer"]
    autocomplete_fields = ["authority"]
    readonly_fields = ["addresses_to_register", "updated_at"]
    fieldsets = (
        (None, {"fields": ("authority", "enabled")}),
        (
            "The council's provider (OpenID Connect)",
            {
                "fields": (
                    "issuer",
                    "client_id",
                    "client_secret",
                    "email_verified_claim",
                    "addresses_to_register",
                ),
            },
        ),
        (
            "Second step",
            {
                "fields": ("council_mfa_counts", "mfa_amr_values", "mfa_acr_values"),
                "description": "Unless the council's own second step counts, people who sign "
                "in with their council account then enter the code from their authenticator "
                "app, as after a password.",
            },
        ),
        (None, {"fields": ("updated_at",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[CouncilIdentityProvider]:
        return super().get_queryset(request).prefetch_related("email_domains")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Allowed email domains")
    def domains(self, obj: CouncilIdentityProvider) -> str:
        return ", ".join(d.domain for d in obj.email_domains.all())

    @admin.display(description="Addresses to register with the council's provider")
    def addresses_to_register(self, obj: CouncilIdentityProvider | None) -> str:
        return (
            f"Redirect URI: {settings.SITE_URL}{reverse('accounts:council-callback')}. "
            f"Post-logout redirect URI: {settings.SITE_URL}{reverse('accounts:sign-in')}"
        )

    def save_model(
        self,
        request: HttpRequest,
        obj: CouncilIdentityProvider,
        form: "ModelForm[CouncilIdentityProvider]",
        change: bool,
    ) -> None:
        secret = form.cleaned_data.get("client_secret")
        if secret:
            obj.client_secret_sealed = seal(secret)
        super().save_model(request, obj, form, change)
        request.council_sign_in_changed = [  # type: ignore[attr-defined]  # for save_related
            *form.changed_data
        ]

    def save_related(
        self,
        request: HttpRequest,
        form: "ModelForm[CouncilIdentityProvider]",
        formsets: Any,
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        changed: list[str] = request.council_sign_in_changed  # type: ignore[attr-defined]  # save_model's
        if any(formset.has_changed() for formset in formsets):
            changed.append("email_domains")
        if changed or not change:
            council_services.provider_saved(
                actor=cast(User, request.user),  # the admin site serves only signed-in staff
                provider=form.instance,
                changed=changed,
                created=not change,
            )
        if form.instance.enabled and not form.instance.email_domains.exists():
            messages.warning(
                request, "Nobody can sign in through it until it has an allowed email domain."
            )

    def delete_model(self, request: HttpRequest, obj: CouncilIdentityProvider) -> None:
        council_services.provider_deleted(actor=cast(User, request.user), provider=obj)
        super().delete_model(request, obj)

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[CouncilIdentityProvider]
    ) -> None:
        for provider in queryset:
            self.delete_model(request, provider)
