"""An administrator sets up each council's sign-in in the admin; it works at the next sign-in,
with no restart, and its secret is stored encrypted and never shown again (X7)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.council.secrets import unseal
from accounts.models import CouncilIdentityProvider
from tests.accounts.test_council_sign_in import SITE, sign_in_through_council
from tests.conftest import signed_in_client
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

ADD = reverse("admin:accounts_councilidentityprovider_add")


def form_data(authority, *, issuer, client_id, secret, domains=(), **more):
    data = {
        "authority": authority.pk,
        "enabled": "on",
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": secret,
        "email_verified_claim": "email_verified",
        "mfa_amr_values": "mfa otp hwk",
        "mfa_acr_values": "",
        "email_domains-TOTAL_FORMS": str(len(domains)),
        "email_domains-INITIAL_FORMS": "0",
        "email_domains-MIN_NUM_FORMS": "0",
        "email_domains-MAX_NUM_FORMS": "1000",
        **more,
    }
    for i, domain in enumerate(domains):
        data[f"email_domains-{i}-domain"] = domain
    return data


@pytest.fixture
def admin(cast, settings):
    settings.SITE_URL = SITE
    return signed_in_client(cast.admin)


def test_a_council_added_in_the_admin_signs_its_staff_in_at_once(cast, admin, local_provider):
    client_id, secret = local_provider.register(
        redirect_uri=f"{SITE}/sign-in/council/callback/", post_logout_uri=f"{SITE}/sign-in/"
    )
    saved = admin.post(
        ADD,
        form_data(
            cast.hackney.authority,
            issuer=local_provider.issuer,
            client_id=client_id,
            secret=secret,
            domains=("@Hackney.Test",),
        ),
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    provider = CouncilIdentityProvider.objects.get()
    assert list(provider.email_domains.values_list("domain", flat=True)) == ["hackney.test"]
    # Stored encrypted: not readable in the row, and readable with the key.
    assert secret not in provider.client_secret_sealed
    assert unseal(provider.client_secret_sealed) == secret
    # Never shown again.
    page = admin.get(
        reverse("admin:accounts_councilidentityprovider_change", args=[provider.pk])
    ).content.decode()
    assert secret not in page and provider.client_secret_sealed not in page
    assert "A secret is stored" in page
    assert f"{SITE}/sign-in/council/callback/" in page
    # Audited by the names of what changed, never the secret.
    [event] = AuditEvent.objects.filter(action=AuditAction.COUNCIL_SIGN_IN_UPDATE)
    assert event.actor_id == cast.admin.pk and event.authority_id == cast.hackney.authority.pk
    assert "client_secret" in event.detail["changed"] and event.detail["created"] is True
    assert secret not in json.dumps(event.detail)
    # And it works at once, in this same process.
    answer = sign_in_through_council(Client(), cast.hackney.coach.email)
    assert answer.status_code == 302 and answer["Location"].startswith("/sign-in/")


def test_saving_without_a_secret_keeps_the_one_stored(cast, admin, local_provider):
    client_id, secret = local_provider.register(
        redirect_uri=f"{SITE}/sign-in/council/callback/", post_logout_uri=f"{SITE}/sign-in/"
    )
    admin.post(
        ADD,
        form_data(
            cast.hackney.authority,
            issuer=local_provider.issuer,
            client_id=client_id,
            secret=secret,
            domains=("hackney.test",),
        ),
    )
    provider = CouncilIdentityProvider.objects.get()
    change = reverse("admin:accounts_councilidentityprovider_change", args=[provider.pk])
    data = form_data(
        cast.hackney.authority,
        issuer=local_provider.issuer,
        client_id=client_id,
        secret="",
        council_mfa_counts="on",
    )
    assert admin.post(change, data).status_code == 302
    provider.refresh_from_db()
    assert provider.council_mfa_counts and unseal(provider.client_secret_sealed) == secret
    latest = AuditEvent.objects.filter(action=AuditAction.COUNCIL_SIGN_IN_UPDATE).first()
    assert latest is not None and latest.detail["changed"] == ["council_mfa_counts"]


def test_a_new_council_needs_its_secret_and_an_https_issuer(cast, admin, settings):
    settings.COUNCIL_SIGN_IN_ALLOW_HTTP = False
    answer = admin.post(
        ADD,
        form_data(
            cast.hackney.authority, issuer="http://login.example.org", client_id="c", secret=""
        ),
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Enter the issuer&#x27;s https address." in page
    assert "This field is required." in page
    assert not CouncilIdentityProvider.objects.exists()


def test_an_email_domain_belongs_to_one_council_only(cast, admin, local_provider):
    for authority, expected in ((cast.hackney.authority, 302), (cast.southwark.authority, 200)):
        answer = admin.post(
            ADD,
            form_data(
                authority,
                issuer=local_provider.issuer,
                client_id="client",
                secret="secret",
                domains=("shared.test",),
            ),
        )
        assert answer.status_code == expected
    assert CouncilIdentityProvider.objects.count() == 1


def test_removing_a_council_is_audited(cast, admin, local_provider):
    from tests.oidc import add_provider

    provider = add_provider(
        local_provider, cast.hackney.authority, site_url=SITE, domains=("hackney.test",)
    )
    delete = reverse("admin:accounts_councilidentityprovider_delete", args=[provider.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    assert not CouncilIdentityProvider.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.COUNCIL_SIGN_IN_REMOVE).count() == 1


def test_the_administrator_sees_council_sign_ins_and_why_one_was_refused(
    cast, admin, local_provider
):
    from tests.oidc import add_provider

    add_provider(local_provider, cast.hackney.authority, site_url=SITE, domains=("hackney.test",))
    local_provider.account(cast.hackney.coach.email, email_verified=False)
    sign_in_through_council(Client(), cast.hackney.coach.email)
    sign_in_through_council(Client(), cast.hackney.coach2.email)
    page = admin.get(reverse("admin:yourchoice_signinevent_changelist")).content.decode()
    assert "Sign-in with a council account refused" in page
    assert "email_unverified" in page
    assert "Council account accepted" in page
    failed = admin.get(
        reverse("admin:yourchoice_signinevent_changelist"), {"outcome": "failed"}
    ).content.decode()
    assert "email_unverified" in failed and "Council account accepted" not in failed
