"""Administrators see sign-ins, failures and lockouts; typed unknown addresses are not kept."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, signed_in_client
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent, SignInEvent

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
EVENTS = reverse("admin:yourchoice_signinevent_changelist")


WRONG = "wrong-" + "password"


def attempt(email: str, client: Client | None = None):
    return (client or Client()).post(SIGN_IN, {"email": email, "password": WRONG})


def test_a_failure_for_a_real_account_names_the_account(cast):
    attempt(cast.hackney.coach.email.upper())
    event = AuditEvent.objects.get(action="signin.failed")
    assert (event.object_type, event.object_id) == ("accounts.user", cast.hackney.coach.pk)
    assert event.detail == {}


def test_a_failure_for_an_unknown_address_keeps_only_a_hint(cast):
    attempt("Jane.Secret@Example.org")
    event = AuditEvent.objects.get(action="signin.failed")
    assert event.object_id is None
    assert event.detail == {"email_hint": "j…@example.org"}
    stored = str(AuditEvent.objects.values_list("detail", flat=True).get(pk=event.pk))
    assert "secret" not in stored.lower()


def test_a_password_typed_into_the_email_box_is_not_kept(cast):
    attempt(PASSWORD)
    attempt(f"{PASSWORD}@example.org")
    stored = " ".join(str(d) for d in AuditEvent.objects.values_list("detail", flat=True))
    assert PASSWORD not in stored


def test_email_hint():
    assert audit.email_hint(" Someone@Hackney.gov.uk ") == "s…@hackney.gov.uk"
    assert audit.email_hint("no-at-sign") == "…"
    assert audit.email_hint("@example.org") == "…"


def test_lockout_names_the_account(cast):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(cast.hackney.coach.email, client=client)
    assert AuditEvent.objects.filter(action="signin.locked_out").count() == 1  # once per attempt
    attempt(cast.hackney.coach.email, client=client)
    locked = AuditEvent.objects.filter(action="signin.locked_out").first()
    assert locked is not None and locked.object_id == cast.hackney.coach.pk


def test_administrator_sees_successes_failures_and_lockouts(cast):
    audit.record(actor=cast.hackney.coach, action=AuditAction.SIGNIN_SUCCEEDED)
    attempt(cast.hackney.lead.email)
    attempt("stranger@elsewhere.test")
    audit.record(actor=None, action=AuditAction.SIGNIN_LOCKED_OUT, obj=cast.southwark.coach)
    # Not a sign-in event:
    audit.record(actor=cast.hackney.coach, action=AuditAction.YOUNG_PERSON_VIEW)
    page = signed_in_client(cast.admin).get(EVENTS).content.decode()
    assert '<td class="field-event">Signed in</td>' in page
    assert "Hackney Coach &lt;coach@hackney.test&gt;" in page
    assert "Sign-in failed: wrong email address or password" in page
    assert "Hackney Lead &lt;lead@hackney.test&gt;" in page
    assert "s…@elsewhere.test" in page and "stranger@" not in page
    assert "Locked out after repeated failures" in page and "coach@southwark.test" in page
    assert "Viewed the record" not in page
    failures = signed_in_client(cast.admin).get(EVENTS + "?outcome=failed").content.decode()
    assert "Hackney Lead" in failures and '<td class="field-event">Signed in</td>' not in failures


def test_sign_in_events_are_read_only_and_for_administrators(cast):
    audit.record(actor=cast.hackney.coach, action=AuditAction.SIGNIN_SUCCEEDED)
    event = SignInEvent.objects.get()
    admin = signed_in_client(cast.admin)
    detail = admin.get(reverse("admin:yourchoice_signinevent_change", args=[event.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert admin.get(reverse("admin:yourchoice_signinevent_add")).status_code == 403
    delete = reverse("admin:yourchoice_signinevent_delete", args=[event.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    assert SignInEvent.objects.filter(pk=event.pk).exists()
    assert signed_in_client(cast.hackney.lead).get(EVENTS).status_code == 302


def test_sign_in_events_list_queries_do_not_grow(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = signed_in_client(cast.admin)

    def queries() -> int:
        admin.get(EVENTS)
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(EVENTS).status_code == 200
        return len(captured.captured_queries)

    audit.record(actor=cast.hackney.coach, action=AuditAction.SIGNIN_SUCCEEDED)
    one = queries()
    for user in (cast.hackney.lead, cast.southwark.coach, cast.southwark.lead):
        for _ in range(5):
            audit.record(actor=None, action=AuditAction.SIGNIN_FAILED, obj=user)
    assert queries() == one


def test_the_administrators_audit_list_leaves_out_young_peoples_records(cast):
    from django.urls import reverse

    from tests.conftest import allocated_case, signed_in_client

    episode = allocated_case(cast.hackney)  # a referral and an allocation, both audited
    client = signed_in_client(cast.admin)
    body = client.get(reverse("admin:yourchoice_auditevent_changelist")).content.decode()
    assert "referral.create" not in body and "episode.allocate" not in body
    assert AuditEvent.objects.filter(young_person_id=episode.young_person_id).exists()
