"""People and places: authorities, teams, users and the roles they hold.

A person's access is the union of their memberships (docs/programme.md). Each membership names a
role and the place it applies to: a coach or supervisor belongs to a team, a borough lead to an
authority, and programme leads, evaluators and administrators to the whole service.
"""

from __future__ import annotations

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.models import Device


class Authority(models.Model):
    """A London local authority, identified by its ONS (GSS) code."""

    gss_code = models.CharField("ONS code", max_length=9, unique=True)
    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(
        default=True, help_text="Whether the authority currently runs the programme."
    )
    # Counter behind young people's pseudonymous references (YC-<code>-<number>).
    last_reference_number = models.PositiveIntegerField(default=0, editable=False)
    # Retention rule (docs/programme.md X6): a young person's record is kept until the later of
    # their birthday at this age and this many years after their last case closed.
    retain_until_age = models.PositiveSmallIntegerField(
        "keep records until the young person's birthday at this age",
        default=25,
        validators=[MinValueValidator(18), MaxValueValidator(75)],
        help_text="Between 18 and 75.",
    )
    retain_years_after_closure = models.PositiveSmallIntegerField(
        "or for this many years after the last case closed, whichever is later",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(25)],
        help_text="Between 1 and 25.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"
        constraints = [
            models.CheckConstraint(
                condition=Q(gss_code__regex=r"^E09[0-9]{6}$"), name="authority_gss_code_format"
            ),
            models.CheckConstraint(
                condition=Q(retain_until_age__gte=18, retain_until_age__lte=75),
                name="authority_retention_age_sensible",
            ),
            models.CheckConstraint(
                condition=Q(retain_years_after_closure__gte=1, retain_years_after_closure__lte=25),
                name="authority_retention_years_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrialArm(models.TextChoices):
    YOUR_CHOICE = "your_choice", "Your Choice"
    USUAL_SERVICE = "usual_service", "Business as usual"


class Team(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=100)
    trial_arm = models.CharField(
        max_length=20,
        choices=TrialArm.choices,
        blank=True,
        help_text="Set only for teams that took part in the randomised trial.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["authority__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "name"], name="team_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.authority.name})"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(email, password, **extra)
        Membership.objects.get_or_create(user=user, role=Role.ADMINISTRATOR)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in. Signs in with an email address and an authenticator app."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can use the administration site (administrators only)."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        # The administrator role runs the admin site. Case content is not registered there, so
        # this grants nothing about young people (docs/programme.md).
        if self.is_active and self.is_staff and self._is_administrator():
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.is_staff and self._is_administrator():
            return True
        return super().has_module_perms(app_label)

    def _is_administrator(self) -> bool:
        # The policy reads these models (memberships, roles): imported on use, not at load.
        from accounts import access

        return access.has_perm(self, access.Perm.SERVICE_ADMIN)

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Role(models.TextChoices):
    COACH = "coach", "Coach"
    SUPERVISOR = "supervisor", "Supervisor"
    BOROUGH_LEAD = "borough_lead", "Borough lead"
    PROGRAMME_LEAD = "programme_lead", "Programme lead"
    EVALUATOR = "evaluator", "Evaluator"
    ADMINISTRATOR = "administrator", "Administrator"


TEAM_ROLES = (Role.COACH, Role.SUPERVISOR)
AUTHORITY_ROLES = (Role.BOROUGH_LEAD,)
SERVICE_ROLES = (Role.PROGRAMME_LEAD, Role.EVALUATOR, Role.ADMINISTRATOR)


class MembershipManager(models.Manager["Membership"]):
    def grant(self, user: User, role: str, place: Team | Authority | None = None) -> Membership:
        """Give `user` the role (its value, say "coach") in a place: a team for the team roles,
        an authority for a borough lead, none for a service-wide role. For tooling that makes
        people (demo and scale data); a wrong role or place fails here, not later."""
        return self.create(
            user=user,
            role=Role(role),
            team=place if isinstance(place, Team) else None,
            authority=place if isinstance(place, Authority) else None,
        )


class Membership(models.Model):
    """One role held by one person in one place. The database enforces the right place."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_place_matches_role",
                condition=(
                    Q(
                        role__in=[r.value for r in TEAM_ROLES],
                        team__isnull=False,
                        authority__isnull=True,
                    )
                    | Q(
                        role__in=[r.value for r in AUTHORITY_ROLES],
                        team__isnull=True,
                        authority__isnull=False,
                    )
                    | Q(
                        role__in=[r.value for r in SERVICE_ROLES],
                        team__isnull=True,
                        authority__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "team"],
                name="membership_unique_team_role",
                condition=Q(team__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "authority"],
                name="membership_unique_authority_role",
                condition=Q(authority__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                name="membership_unique_service_role",
                condition=Q(team__isnull=True, authority__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        place = self.team or self.authority or "London"
        return f"{self.get_role_display()}, {place}"


class Cover(models.Model):
    """A coach covering a colleague's caseload in the same team, for a set period."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="covers")
    absent_coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="covered_by")
    covering_coach = models.ForeignKey(User, on_delete=models.PROTECT, related_name="covering")
    starts_on = models.DateField()
    ends_on = models.DateField()
    arranged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="cover_dates_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(absent_coach=models.F("covering_coach")), name="cover_not_self"
            ),
        ]


class ApiToken(models.Model):
    """A token for a system client acting as a named person (X4). Only a hash is stored; the
    token itself is shown once, when an administrator creates it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the system.")
    prefix = models.CharField(max_length=8, help_text="The first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_later"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.user.is_active


# --- Council sign-in (docs/programme.md X7, docs/sign-in.md) ---------------------------------


class VerifiedEmailClaim(models.TextChoices):
    """The ID token claim (or userinfo claim) that says the provider checked the email address."""

    EMAIL_VERIFIED = "email_verified", "email_verified (the OpenID Connect standard claim)"
    XMS_EDOV = "xms_edov", "xms_edov (Microsoft Entra ID: the email domain's owner is verified)"


class CouncilIdentityProvider(models.Model):
    """An authority's own identity provider (OpenID Connect), through which its staff sign in
    with their council accounts. Set by an administrator; read at every sign-in, so a change
    takes effect at the next one. The client secret is stored encrypted (accounts/council/
    secrets.py) and never shown again."""

    authority = models.OneToOneField(
        Authority, on_delete=models.CASCADE, related_name="identity_provider"
    )
    enabled = models.BooleanField(
        default=True,
        help_text="Switched off, nobody signs in through it, and sign-ins it completed with "
        "the council's own second step end at their next page.",
    )
    issuer = models.URLField(
        max_length=300,
        help_text="Exactly as the provider names itself, for example "
        "https://login.microsoftonline.com/<tenant id>/v2.0. Its settings are read from "
        "<issuer>/.well-known/openid-configuration.",
    )
    client_id = models.CharField("client ID", max_length=200)
    client_secret_sealed = models.TextField(editable=False)
    email_verified_claim = models.CharField(
        "claim that says the email address is verified",
        max_length=20,
        choices=VerifiedEmailClaim.choices,
        default=VerifiedEmailClaim.EMAIL_VERIFIED,
    )
    council_mfa_counts = models.BooleanField(
        "the council's own two-step sign-in counts as the second step",
        default=False,
        help_text="When the council says (amr or acr below) that the person used its own "
        "second step, they are not asked for Your Choice's. Otherwise they always are.",
    )
    mfa_amr_values = models.CharField(
        "amr values that show a second step",
        max_length=200,
        blank=True,
        default="mfa otp hwk",
        help_text="Separated by spaces. The sign-in counts when the ID token's amr lists any.",
    )
    mfa_acr_values = models.CharField(
        "acr values that show a second step",
        max_length=300,
        blank=True,
        help_text="Separated by spaces. The sign-in counts when the ID token's acr is one.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["authority__name"]
        verbose_name = "council sign-in"
        constraints = [
            models.CheckConstraint(
                condition=Q(issuer__regex=r"^https?://[^\s]+$"), name="council_idp_issuer_is_url"
            ),
            models.CheckConstraint(
                condition=~Q(client_id=""), name="council_idp_client_id_present"
            ),
        ]

    def __str__(self) -> str:
        return f"Council sign-in for {self.authority.name}"

    def amr_values(self) -> set[str]:
        return set(self.mfa_amr_values.split())

    def acr_values(self) -> set[str]:
        return set(self.mfa_acr_values.split())


class CouncilEmailDomain(models.Model):
    """An email domain whose people sign in through one authority's provider. A domain belongs
    to one provider at most, so the domain typed names the council."""

    provider = models.ForeignKey(
        CouncilIdentityProvider, on_delete=models.CASCADE, related_name="email_domains"
    )
    domain = models.CharField(
        max_length=253, unique=True, help_text="For example hackney.gov.uk (no @)."
    )

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    domain__regex=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
                ),
                name="council_email_domain_lowercase_name",
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class CouncilSignInDevice(Device):
    """The council's own two-step sign-in, standing as a person's second factor: a django-otp
    device, so a session it verified is verified exactly like one a code or passkey verified.
    It is confirmed only while its provider is on and trusted for the second step; otherwise
    django-otp no longer counts the sessions it verified (OTPMiddleware checks `confirmed`).
    It takes no codes."""

    provider = models.ForeignKey(
        CouncilIdentityProvider, on_delete=models.CASCADE, related_name="devices"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"], name="council_sign_in_device_one_per_provider"
            ),
        ]

    def verify_token(self, token: object) -> bool:
        return False


# --- Setting up sign-in by a one-time link (docs/programme.md X8, docs/people.md) -------------


class EnrolmentLinkPurpose(models.TextChoices):
    INVITATION = "invitation", "Invitation to Your Choice"
    SECOND_FACTOR_RESET = "second_factor_reset", "Second step reset after a lost phone"


class EnrolmentLink(models.Model):
    """A one-time link emailed to a person: the only way an account sets up its second factor
    (an authenticator app), whether invited or after a borough lead reset a lost phone's. Only
    a hash of the link's secret is stored; the secret itself is only ever in the email."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_links")
    purpose = models.CharField(max_length=30, choices=EnrolmentLinkPurpose.choices)
    # The authority whose borough lead sent it (none when sent by the service's administrator).
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer link for the same person replaces it, or their account is switched off.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="enrolment_link_expires_later",
            ),
            models.CheckConstraint(
                condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"),
                name="enrolment_link_hash_is_sha256",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.created_at:%Y-%m-%d})"

    @property
    def is_usable(self) -> bool:
        return (
            self.used_at is None
            and self.withdrawn_at is None
            and self.expires_at > timezone.now()
            and self.user.is_active
        )
