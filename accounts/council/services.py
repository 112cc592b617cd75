"""The rules of council sign-in: which council an email address belongs to, which account a
council's answer signs in (if any), and whether the council's own second step counts.

Sign-in never makes an account, and never gives a role: it finds an account that exists, is
switched on, and has the very email address the council verified, in a domain that council's
provider is allowed to speak for. docs/sign-in.md says why each rule is there.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import transaction

from accounts import access
from accounts.council import oidc
from accounts.models import CouncilIdentityProvider, CouncilSignInDevice, User
from yourchoice import audit
from yourchoice.audit.actions import AuditAction


class Refusal(StrEnum):
    """Why a council sign-in was refused, as the audit trail records it."""

    NO_ACCOUNT = "no_account"
    ACCOUNT_OFF = "account_off"
    #: The account holds a role beyond the council's own authority (or none, or is staff): the
    #: council may not speak for it (docs/sign-in.md).
    NOT_THIS_COUNCILS = "not_this_councils"
    DOMAIN_NOT_ALLOWED = "domain_not_allowed"
    EMAIL_UNVERIFIED = "email_unverified"
    ANSWER_REFUSED = "answer_refused"
    STATE = "state"
    PROVIDER_ERROR = "provider_error"
    PROVIDER_UNAVAILABLE = "provider_unavailable"


NOT_LINKED = (
    "Your council signed you in, but its account cannot be used for Your Choice. Ask your "
    "borough lead to check that your Your Choice account uses your work email address."
)
#: What the person is told, and the status of the page, for each refusal. An unknown account,
#: a switched-off one and a domain the council may not speak for read alike: the person has
#: just proved they hold the address, so this tells them nothing about anyone else, and it
#: tells nobody which accounts are switched off.
MESSAGES: dict[Refusal, tuple[int, str]] = {
    Refusal.NO_ACCOUNT: (403, NOT_LINKED),
    Refusal.ACCOUNT_OFF: (403, NOT_LINKED),
    Refusal.DOMAIN_NOT_ALLOWED: (403, NOT_LINKED),
    Refusal.NOT_THIS_COUNCILS: (403, NOT_LINKED),
    Refusal.EMAIL_UNVERIFIED: (
        403,
        "Your council's sign-in did not confirm your email address, so it cannot sign you in "
        "to Your Choice. Sign in with your email address and password instead, or ask your "
        "council's IT service desk.",
    ),
    Refusal.ANSWER_REFUSED: (
        400,
        "Your council's sign-in sent back an answer that Your Choice could not check, so you "
        "have not been signed in. Try again. If it happens again, tell your council's IT "
        "service desk.",
    ),
    Refusal.STATE: (
        400,
        "This sign-in was already used, or took too long, so you have not been signed in. "
        "Start again.",
    ),
    Refusal.PROVIDER_ERROR: (
        400,
        "Your council's sign-in did not sign you in. Try again, or sign in with your email "
        "address and password.",
    ),
    Refusal.PROVIDER_UNAVAILABLE: (
        503,
        "Your council's sign-in cannot be reached at the moment. Try again later, or sign in "
        "with your email address and password.",
    ),
}


class CouncilRefused(Exception):
    def __init__(self, refusal: Refusal, *, account: User | None = None, email: str = "") -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.account = account
        self.email = email


def domain_of(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


def provider_for_email(email: str) -> CouncilIdentityProvider | None:
    """The switched-on provider whose allowed domains include the address's, or None."""
    domain = domain_of(email)
    if not domain:
        return None
    return (
        CouncilIdentityProvider.objects.select_related("authority")
        .filter(enabled=True, email_domains__domain=domain)
        .first()
    )


def _is_true(value: object) -> bool:
    # JSON true; some providers send the string "true" instead.
    return value is True or (isinstance(value, str) and value.lower() == "true")


def verified_email(provider: CouncilIdentityProvider, signed_in: oidc.SignedIn) -> str:
    """The email address the council vouches for, lower-cased, from the ID token or, when the
    token does not carry both the address and the claim that says it is verified, from the
    userinfo answer (both from the same source, so a verified flag is never paired with
    another address). Raises CouncilRefused when the council does not vouch for one."""
    claim = provider.email_verified_claim
    source: dict[str, Any] = signed_in.claims
    if not ("email" in source and claim in source):
        source = oidc.userinfo(
            issuer=provider.issuer,
            access_token=signed_in.access_token,
            subject=signed_in.claims["sub"],
        )
    email = source.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise CouncilRefused(Refusal.EMAIL_UNVERIFIED)
    email = email.strip().lower()
    if not _is_true(source.get(claim)):
        raise CouncilRefused(Refusal.EMAIL_UNVERIFIED, email=email)
    return email


def account_for(provider: CouncilIdentityProvider, email: str) -> User:
    """The account a council's verified address signs in: one that exists, with exactly that
    address, in a domain this provider may speak for, switched on, and whose every role is in
    this council's own authority: a council never signs in an administrator, a programme lead,
    an evaluator, or someone who also works for another borough. Raises CouncilRefused."""
    account = User.objects.filter(email=email).first()
    if not provider.email_domains.filter(domain=domain_of(email)).exists():
        raise CouncilRefused(Refusal.DOMAIN_NOT_ALLOWED, account=account, email=email)
    if account is None:
        raise CouncilRefused(Refusal.NO_ACCOUNT, email=email)
    if not account.is_active:
        raise CouncilRefused(Refusal.ACCOUNT_OFF, account=account, email=email)
    if not access.works_only_in(account, provider.authority_id):
        raise CouncilRefused(Refusal.NOT_THIS_COUNCILS, account=account, email=email)
    return account


def council_second_step_counts(provider: CouncilIdentityProvider, claims: dict[str, Any]) -> bool:
    """Whether the council's own second step stands for the service's: only where the
    authority's setting allows it, and only when this ID token says one was used (its amr lists
    one of the configured methods, or its acr is one of the configured levels)."""
    if not provider.council_mfa_counts:
        return False
    amr = claims.get("amr")
    methods = {m for m in amr if isinstance(m, str)} if isinstance(amr, list) else set()
    if methods & provider.amr_values():
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in provider.acr_values()


def council_device(account: User, provider: CouncilIdentityProvider) -> CouncilSignInDevice:
    """The django-otp device standing for this council's second step for this person (made
    the first time it is used: a device, not an account or a role). A change to the provider
    deletes its devices, so a later sign-in makes a new one and never verifies again the
    sessions the old one verified."""
    device, _ = CouncilSignInDevice.objects.get_or_create(
        user=account,
        provider=provider,
        defaults={"name": f"{provider.authority.name} sign-in"[:64], "confirmed": True},
    )
    return device


@transaction.atomic
def provider_saved(
    *, actor: User, provider: CouncilIdentityProvider, changed: list[str], created: bool
) -> None:
    """Audit a change to a council's sign-in (the names of the fields changed, never the
    secret), and end the sign-ins its second step verified on any change to it (its domains, its
    authority, what counts as its second step...): django-otp stops counting a device that is
    gone at the person's next page."""
    if changed and not created:
        CouncilSignInDevice.objects.filter(provider=provider).delete()
    audit.record(
        actor=actor,
        action=AuditAction.COUNCIL_SIGN_IN_UPDATE,
        obj=provider,
        authority_id=provider.authority_id,
        changed=sorted(changed),
        created=created,
    )


def provider_deleted(*, actor: User, provider: CouncilIdentityProvider) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.COUNCIL_SIGN_IN_REMOVE,
        obj=provider,
        authority_id=provider.authority_id,
    )


def sign_out_address(*, provider_id: object, return_to: str) -> str:
    """Where to send a person signing out who signed in through their council, so that they
    are signed out there too (RP-initiated logout), or "" when the council's provider has no
    sign-out address, is switched off or cannot be reached."""
    if not isinstance(provider_id, int):
        return ""
    provider = CouncilIdentityProvider.objects.filter(pk=provider_id, enabled=True).first()
    if provider is None:
        return ""
    return oidc.end_session_url(
        issuer=provider.issuer,
        client_id=provider.client_id,
        post_logout_redirect_uri=return_to,
    )
