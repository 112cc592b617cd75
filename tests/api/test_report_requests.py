"""Asking for a report through the API (O7, X4): any period, the page's rules, one report per
Idempotency-Key."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tokens import api_token_issue
from outcomes.models import Report
from outcomes.reports import periods
from outcomes.reports.periods import Period
from sessions.models import SessionLog
from tests.conftest import allocated_case
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
URL = "/api/v1/reports/"


def bearer(cast, user) -> Client:
    _, key = api_token_issue(actor=cast.admin, user=user, name="Borough system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client: Client, body: dict, **headers):
    return client.post(URL, body, content_type="application/json", **headers)


def test_the_route_is_the_report_list():
    assert reverse("api:report-list") == URL


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            lambda: {"period": "month", "start": periods.months_offered(TODAY)[0].start},
            lambda: periods.months_offered(TODAY)[0],
        ),
        (
            lambda: {"period": "quarter", "start": periods.quarters_offered(TODAY)[0].start},
            lambda: periods.quarters_offered(TODAY)[0],
        ),
        (
            lambda: {
                "period": "financial_year",
                "start": periods.financial_years_offered(TODAY)[0].start,
            },
            lambda: periods.financial_years_offered(TODAY)[0],
        ),
        (lambda: {"period": "last_12_months"}, lambda: Period.last_12_months(TODAY)),
        (
            lambda: {"period": "dates", "start": TODAY - timedelta(days=99), "end": TODAY},
            lambda: Period(TODAY - timedelta(days=99), TODAY),
        ),
    ],
    ids=["month", "quarter", "financial-year", "last-12-months", "dates"],
)
def test_a_borough_lead_asks_for_each_kind_of_period(cast, body, expected):
    asked = {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in body().items()
    }
    response = post(
        bearer(cast, cast.hackney.lead), {"authority": cast.hackney.authority.pk, **asked}
    )
    assert response.status_code == 201, response.json()
    answer = response.json()
    period = expected()
    assert (answer["period_start"], answer["period_end"]) == (
        period.start.isoformat(),
        period.end.isoformat(),
    )
    assert answer["period_label"] == period.label
    assert answer["status"] == "queued" and answer["downloads"] == {}
    report = Report.objects.get(pk=answer["id"])
    assert report.authority == cast.hackney.authority and report.requested_by == cast.hackney.lead
    assert AuditEvent.objects.filter(action="report.request").count() == 1
    # Its own address answers with the same name for the period.
    again = bearer(cast, cast.hackney.lead).get(reverse("api:report-detail", args=[report.pk]))
    assert again.json()["period_label"] == period.label


def test_a_programme_lead_asks_for_london(cast):
    response = post(
        bearer(cast, cast.programme_lead), {"authority": None, "period": "last_12_months"}
    )
    assert response.status_code == 201
    assert response.json()["scope"] == "london" and response.json()["authority"] is None


def test_bad_periods_are_400_with_the_message_on_the_field(cast):
    client = bearer(cast, cast.hackney.lead)
    place = {"authority": cast.hackney.authority.pk}

    def fields(body: dict) -> dict:
        response = post(client, {**place, **body})
        assert response.status_code == 400, response.json()
        return response.json()["error"]["fields"]

    start = (TODAY - timedelta(days=5)).isoformat()
    assert fields(
        {"period": "dates", "start": start, "end": (TODAY - timedelta(days=6)).isoformat()}
    ) == {"end": ["The end date cannot be before the start date."]}
    assert fields(
        {"period": "dates", "start": start, "end": (TODAY + timedelta(days=1)).isoformat()}
    ) == {"end": ["The end date cannot be in the future."]}
    assert fields({"period": "dates", "start": "2022-01-01", "end": "2024-01-01"}) == {
        "end": [
            "A report can cover at most 2 years. Choose an end date on or before 31 December 2023."
        ]
    }
    assert fields({"period": "dates", "start": start}) == {"end": ["Enter the end date."]}
    assert fields({"period": "quarter", "start": "2025-02-01"}) == {
        "start": [
            "That is not a first day: a quarter starts on 1 January, 1 April, 1 July or 1 October."
        ]
    }
    this_month = TODAY.replace(day=1)
    assert fields({"period": "month", "start": this_month.isoformat()}) == {
        "start": [
            f"{Period.month(this_month).label} has not ended yet. Ask for dates up to today "
            "instead."
        ]
    }
    assert fields({"period": "last_12_months", "end": start}) == {
        "end": ["Leave this out: the last 12 months follow from today."]
    }
    assert set(fields({"period": "fortnight"})) == {"period"}
    assert set(fields({"period": "dates", "start": "2026-02-30", "end": start})) == {"start"}
    assert set(post(client, {"period": "last_12_months"}).json()["error"]["fields"]) == {
        "authority"
    }
    assert fields({"authority": 999999, "period": "last_12_months"}) == {
        "authority": ["No such authority."]
    }
    assert not Report.objects.exists()


def test_who_may_ask_is_who_may_have_the_report(cast):
    body = {"period": "last_12_months"}
    hackney = {"authority": cast.hackney.authority.pk, **body}
    lead = bearer(cast, cast.hackney.lead)
    # Another borough's report, or London's: refused, before the period is even looked at.
    assert post(lead, {**body, "authority": cast.southwark.authority.pk}).status_code == 403
    assert post(lead, {**body, "authority": None}).status_code == 403
    wrong_dates = {"period": "dates", "start": "2030-01-01", "end": "2020-01-01"}
    assert post(lead, {"authority": None, **wrong_dates}).status_code == 403
    for person in (
        cast.hackney.coach,
        cast.hackney.supervisor,
        cast.southwark.lead,
        cast.evaluator,
        cast.admin,
    ):
        answer = post(bearer(cast, person), hackney)
        assert answer.status_code == 403, person
        assert answer.json()["error"]["status"] == 403
    assert Client().post(URL, hackney, content_type="application/json").status_code == 401
    assert not Report.objects.exists()
    # The control: the borough's own lead may.
    assert post(lead, hackney).status_code == 201


def test_a_resend_with_the_same_key_makes_one_report(cast):
    client = bearer(cast, cast.hackney.lead)
    body = {"authority": cast.hackney.authority.pk, "period": "last_12_months"}
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="asked-1")
    again = post(client, body, HTTP_IDEMPOTENCY_KEY="asked-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Report.objects.count() == 1
    # The same body in another order, or spaced otherwise, is the same request.
    reordered = client.post(
        URL,
        f'{{ "period" : "last_12_months",  "authority": {cast.hackney.authority.pk} }}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="asked-1",
    )
    assert reordered.status_code == 201 and reordered.json() == first.json()
    # The same key with another request is refused, and asks for nothing.
    other = post(
        client,
        {**body, "period": "month", "start": periods.months_offered(TODAY)[0].start.isoformat()},
        HTTP_IDEMPOTENCY_KEY="asked-1",
    )
    assert other.status_code == 422
    assert other.json()["error"]["fields"] == {
        "Idempotency-Key": [
            "This key was sent before with a different request. Send a new key for a new "
            "request, or the first request again as it was."
        ]
    }
    assert Report.objects.count() == 1
    # Without a key, the same request while the first is waiting gets that one (200).
    waiting = post(client, body)
    assert waiting.status_code == 200 and waiting.json()["id"] == first.json()["id"]
    # Keys are each person's own: the programme lead's "asked-1" is a new request.
    theirs = post(
        bearer(cast, cast.programme_lead),
        {**body, "authority": None},
        HTTP_IDEMPOTENCY_KEY="asked-1",
    )
    assert theirs.status_code == 201 and Report.objects.count() == 2


def test_a_refused_request_keeps_nothing_against_its_key(cast):
    client = bearer(cast, cast.hackney.lead)
    bad = {"authority": cast.hackney.authority.pk, "period": "dates"}
    assert post(client, bad, HTTP_IDEMPOTENCY_KEY="try-2").status_code == 400
    good = {"authority": cast.hackney.authority.pk, "period": "last_12_months"}
    assert post(client, good, HTTP_IDEMPOTENCY_KEY="try-2").status_code == 201


def test_every_create_refuses_a_key_sent_again_with_another_body(cast):
    """The one idempotency mechanism, for every create: a session log too."""
    episode = allocated_case(cast.hackney)
    client = bearer(cast, cast.hackney.coach)
    body = {
        "episode": episode.pk,
        "occurred_at": timezone.now().isoformat(),
        "attendance": "did_not_attend",
    }
    url = reverse("api:session-log-list")
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="v-9")
    assert first.status_code == 201
    changed = client.post(
        url,
        {**body, "attendance": "cancelled_young_person"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="v-9",
    )
    assert changed.status_code == 422
    assert SessionLog.objects.count() == 1


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "authority": st.one_of(st.none(), st.integers(-5, 2**40), st.text(max_size=5)),
            "period": st.one_of(
                st.sampled_from([k.value for k in periods.PeriodKind]), st.text(max_size=8)
            ),
            "start": st.one_of(st.dates().map(str), st.text(max_size=12), st.integers()),
            "end": st.one_of(st.dates().map(str), st.text(max_size=12), st.none()),
        },
    )
)
def test_nothing_a_borough_lead_sends_fails_or_reaches_beyond_their_borough(cast, body):
    response = post(bearer(cast, cast.hackney.lead), body)
    assert response.status_code in (200, 201, 400, 403), response.content[:300]
    assert set(response.json()) == {"error"} or response.status_code in (200, 201)
    assert not Report.objects.exclude(authority=cast.hackney.authority).exists()
