"""Retention (docs/programme.md X6): each authority's rule, the borough lead's review queue,
keeping a record longer, and anonymisation that leaves every report figure unchanged."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cases.models import Episode, KeyContact, Referral, RetentionExtension, RiskFlag, YoungPerson
from casework.retention import rules, selectors, services
from casework.subject_access.files import json_bytes
from casework.subject_access.selectors import get_young_person_for_export, subject_access_export
from outcomes.models import Goal
from outcomes.reports import services as report_services
from outcomes.reports.indicators import REFERRALS_RECEIVED, Scope, compute
from outcomes.reports.periods import Period
from sessions.models import SessionLog, SessionNoteAddendum
from supervision.models import Action, CaseDiscussion
from tests.cases.records import SECRETS, set_rule, worked_case
from tests.conftest import allocated_case, signed_in_client
from yourchoice.data.errors import DomainError
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
QUEUE = reverse("cases:retention-queue")


# --- The rule --------------------------------------------------------------------------------


def test_retention_date_is_the_later_of_the_birthday_and_years_after_closure():
    dob = date(2008, 5, 20)
    by_age = rules.retention_date(
        date_of_birth=dob, last_closed_on=date(2024, 1, 10), until_age=25, years_after_closure=6
    )
    assert by_age == date(2033, 5, 20)  # 25th birthday is later than 2030
    by_closure = rules.retention_date(
        date_of_birth=dob, last_closed_on=date(2030, 1, 10), until_age=25, years_after_closure=6
    )
    assert by_closure == date(2036, 1, 10)
    kept = rules.retention_date(
        date_of_birth=dob,
        last_closed_on=date(2024, 1, 10),
        until_age=25,
        years_after_closure=6,
        kept_until=date(2040, 1, 1),
    )
    assert kept == date(2040, 1, 1)
    open_case = rules.retention_date(
        date_of_birth=dob, last_closed_on=None, until_age=25, years_after_closure=6
    )
    assert open_case is None
    assert rules.add_years(date(2008, 2, 29), 25) == date(2033, 2, 28)


@given(
    dob=st.dates(date(1995, 1, 1), date(2015, 12, 31)),
    referrals=st.lists(st.dates(date(2006, 1, 1), date(2033, 12, 31)), min_size=1, max_size=4),
)
def test_a_coarse_date_of_birth_keeps_every_age_at_referral(dob, referrals):
    coarse = rules.coarse_date_of_birth(dob, referrals)
    assert (coarse.year, coarse.month) == (dob.year, dob.month)
    assert coarse.day <= dob.day
    for day in referrals:
        assert age(coarse, day) == age(dob, day)


def age(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def test_the_database_computes_the_same_retention_date_as_the_rule(cast):
    set_rule(cast.hackney.authority, until_age=25, years=6)
    cases = [
        closed(cast, dob=date(2009, 2, 28), received=TODAY - timedelta(days=400), closed_ago=300),
        closed(cast, dob=date(2008, 2, 29), received=TODAY - timedelta(days=900), closed_ago=800),
    ]
    open_episode = allocated_case(cast.hackney)
    for episode in [*cases, open_episode]:
        person = selectors.with_retention(YoungPerson.objects.all()).get(pk=episode.young_person_id)
        expected = rules.retention_date(
            date_of_birth=person.date_of_birth,
            last_closed_on=None if person.has_open_case else person.last_closed_on,
            until_age=25,
            years_after_closure=6,
        )
        assert (None if person.has_open_case else person.retention_on) == expected


def closed(cast, *, dob: date, received: date, closed_ago: int, place=None) -> Episode:
    """A quick closed case: referral, allocation, closure, backdated."""
    from cases import services as case_services
    from cases.models import YoungPerson

    place = place or cast.hackney
    episode = allocated_case(place)
    # The queue is tested years ahead of today's records, so the referral is backdated past
    # the programme's start, which the service itself refuses.
    Episode.objects.filter(pk=episode.pk).update(referred_on=received)
    Referral.objects.filter(episode=episode).update(received_on=received, panel_date=received)
    YoungPerson.objects.filter(pk=episode.young_person_id).update(date_of_birth=dob)
    closure = case_services.closure_request(
        actor=place.coach, episode=episode, ending_reason="planned", summary="Done"
    )
    case_services.closure_decide(actor=place.supervisor, closure=closure, approve=True, comment="")
    Episode.objects.filter(pk=episode.pk).update(closed_on=TODAY - timedelta(days=closed_ago))
    episode.refresh_from_db()
    return episode


def years_ago(n: int, days: int = 0) -> date:
    return rules.add_years(TODAY, -n) - timedelta(days=days)


# --- The queue -------------------------------------------------------------------------------


@pytest.fixture
def queue_cases(cast):
    """Hackney keeps records to 25 or 6 years after closure."""
    set_rule(cast.hackney.authority, until_age=25, years=6)
    long_ago = years_ago(12)
    return {
        # 25th birthday a year ago, closed 11 years ago: due.
        "due": closed(cast, dob=years_ago(26), received=long_ago, closed_ago=11 * 365),
        # 25th birthday in 30 days: coming due.
        "soon": closed(
            cast,
            dob=rules.add_years(TODAY + timedelta(days=30), -25),
            received=long_ago,
            closed_ago=10 * 365,
        ),
        # 25th birthday in 200 days: not yet.
        "later": closed(
            cast,
            dob=rules.add_years(TODAY + timedelta(days=200), -25),
            received=long_ago,
            closed_ago=10 * 365,
        ),
        # Closed last year: six more years to go, whatever the age.
        "recent": closed(cast, dob=years_ago(30), received=years_ago(2), closed_ago=300),
        # Still open: kept.
        "open": allocated_case(cast.hackney),
        # Another borough's: never shown to Hackney.
        "southwark": closed(
            cast,
            dob=years_ago(26),
            received=long_ago,
            closed_ago=11 * 365,
            place=cast.southwark,
        ),
    }


def test_queue_shows_due_and_coming_due_records_of_the_leads_authority(cast, queue_cases):
    page = signed_in_client(cast.hackney.lead).get(QUEUE).content.decode()
    refs = {k: e.young_person.reference for k, e in queue_cases.items()}
    assert refs["due"] in page and refs["soon"] in page
    assert page.index(refs["due"]) < page.index(refs["soon"])  # soonest first
    for absent in ("later", "recent", "open", "southwark"):
        assert refs[absent] not in page
    assert "Due in 30 days" in page and ">Due<" in page
    # The lead sees her authority's rule.
    assert "until they turn 25, or for 6 years after their last case closed" in page
    assert "Zebedee" not in page  # references, not names


def test_queue_is_for_borough_leads_only(cast):
    for user in (cast.hackney.coach, cast.hackney.supervisor, cast.programme_lead, cast.admin):
        assert signed_in_client(user).get(QUEUE).status_code == 403


def test_queue_queries_do_not_grow_with_rows(cast):
    set_rule(cast.hackney.authority, until_age=25, years=6)
    client = signed_in_client(cast.hackney.lead)

    def queries() -> int:
        client.get(QUEUE)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured.captured_queries)

    closed(cast, dob=years_ago(26), received=years_ago(12), closed_ago=4000)
    one = queries()
    for n in range(9):
        closed(cast, dob=years_ago(26, n), received=years_ago(12), closed_ago=4000)
    assert queries() == one


# --- Keeping a record longer -----------------------------------------------------------------


def test_lead_keeps_a_record_longer_with_a_reason(cast, queue_cases):
    episode = queue_cases["due"]
    client = signed_in_client(cast.hackney.lead)
    url = reverse("cases:retention-extend", args=[episode.young_person_id])
    keep_until = TODAY + timedelta(days=365 * 2)
    missing = client.post(url, {"keep_until": keep_until.isoformat(), "reason": " "})
    assert missing.status_code == 400
    too_soon = client.post(url, {"keep_until": TODAY.isoformat(), "reason": "Court case"})
    assert too_soon.status_code == 400 and "Choose a date after" in too_soon.content.decode()
    response = client.post(
        url, {"keep_until": keep_until.isoformat(), "reason": "Court case pending"}
    )
    assert response.status_code == 302
    extension = RetentionExtension.objects.get()
    assert (extension.keep_until, extension.reason) == (keep_until, "Court case pending")
    event = AuditEvent.objects.get(action="retention.extend")
    assert event.young_person_id == episode.young_person_id
    assert event.detail == {"keep_until": keep_until.isoformat()}  # no free text in the trail
    # It leaves the queue until 90 days before the new date.
    table = client.get(QUEUE).content.decode().split('data-testid="retention-queue"')[1]
    assert episode.young_person.reference not in table


def test_coach_and_other_borough_cannot_decide(cast, queue_cases):
    pk = queue_cases["due"].young_person_id
    for name in ("cases:retention-extend", "cases:anonymise"):
        url = reverse(name, args=[pk])
        assert signed_in_client(cast.hackney.coach).get(url).status_code == 403
        assert signed_in_client(cast.hackney.supervisor).post(url).status_code == 403
        assert signed_in_client(cast.southwark.lead).post(url).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied, raised by the service itself
        services.young_person_anonymise(
            actor=cast.hackney.coach, young_person=queue_cases["due"].young_person
        )


# --- Anonymising -----------------------------------------------------------------------------


def test_anonymise_page_says_it_cannot_be_undone_and_needs_confirmation(cast, queue_cases):
    episode = queue_cases["due"]
    client = signed_in_client(cast.hackney.lead)
    url = reverse("cases:anonymise", args=[episode.young_person_id])
    page = client.get(url).content.decode()
    assert "This cannot be undone" in page
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 400
    assert YoungPerson.objects.get(pk=episode.young_person_id).anonymised_at is None
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert YoungPerson.objects.get(pk=episode.young_person_id).anonymised_at
    table = client.get(QUEUE).content.decode().split('data-testid="retention-queue"')[1]
    assert episode.young_person.reference not in table
    again = client.post(url, {"confirm": "on"})
    assert again.status_code == 400 and "already been anonymised" in again.content.decode()


def test_records_not_yet_due_or_with_an_open_case_are_refused(cast, queue_cases):
    lead = cast.hackney.lead
    for key, message in (("later", "It can be anonymised from"), ("open", "open case")):
        with pytest.raises(DomainError, match=message):
            services.young_person_anonymise(actor=lead, young_person=queue_cases[key].young_person)
    client = signed_in_client(lead)
    page = client.get(reverse("cases:anonymise", args=[queue_cases["later"].young_person_id]))
    assert "It can be anonymised from" in page.content.decode()
    assert "confirm" not in page.content.decode()


@pytest.fixture
def worked(cast):
    """Three closed, fully worked cases due for review, and one not; Hackney keeps records to
    18 or a year after closure. Referral dates sit in the birth month before the birthday
    where that would move the age band if the date of birth were simply cut to the 1st."""
    set_rule(cast.hackney.authority, until_age=18, years=1)
    received = (TODAY - timedelta(days=4 * 365 + 200)).replace(day=10)
    closed_on = received + timedelta(days=90)
    people = {
        # 14 at referral, 15 five days later: "13 to 14"; cut to the 1st it would be "15 to 17".
        "band_edge": date(received.year - 15, received.month, 15),
        # 16, birthday earlier that month.
        "same_month": date(received.year - 16, received.month, 3),
        # 17, born in another month.
        "older": date(received.year - 18, received.month % 12 + 1, 20),
    }
    episodes = {
        key: worked_case(cast.hackney, date_of_birth=dob, received_on=received, closed_on=closed_on)
        for key, dob in people.items()
    }
    # 12 at referral: not due (18th birthday years away), stays as it is.
    episodes["young"] = worked_case(
        cast.hackney,
        date_of_birth=date(received.year - 12, 1, 1),
        received_on=received,
        closed_on=closed_on,
        given="Yolanda",
        family="Yarrow",
    )
    return received, episodes


def report_rows(report) -> list[dict[str, str]]:
    path = Path(settings.MEDIA_ROOT) / report.files.get(format="csv").file.name
    lines = [line for line in path.read_text("utf-8-sig").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def test_anonymising_leaves_every_report_figure_unchanged(cast, worked, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.DISCLOSURE_THRESHOLD = 1  # publish every figure, so the comparison means something
    received, episodes = worked
    authority = cast.hackney.authority
    # The longest period a report covers, from before the referral: the cases' whole story.
    longest = Period(received - timedelta(days=30), TODAY)
    scope = Scope([authority.pk], longest.start, min(TODAY, longest.latest_end()))

    def published():
        report, _ = report_services.report_request(
            actor=cast.hackney.lead, authority=authority, start=scope.start, end=scope.end
        )
        return report_rows(report_services.report_generate(report.pk))

    figures_before, csv_before = compute(scope), published()
    bands = {f.breakdown: f.value for f in figures_before if f.indicator == REFERRALS_RECEIVED}
    assert bands["Age at referral: 13 to 14"] == 1  # the band-edge case counts where it should

    for key in ("band_edge", "same_month", "older"):
        services.young_person_anonymise(
            actor=cast.hackney.lead, young_person=episodes[key].young_person
        )

    assert compute(scope) == figures_before
    assert published() == csv_before
    assert any(row["value"] not in ("", "0", "c") for row in csv_before)


def export(user, young_person_pk: int) -> str:
    latest = get_young_person_for_export(user, young_person_pk)
    return json_bytes(subject_access_export(user, latest)).decode()


def test_anonymising_removes_identifying_data_and_free_text(cast, worked):
    _, episodes = worked
    episode = episodes["band_edge"]
    person = episode.young_person
    export_before = export(cast.hackney.lead, person.pk)
    assert all(secret in export_before for secret in SECRETS)

    result = services.young_person_anonymise(actor=cast.hackney.lead, young_person=person)
    assert result.key_contacts_removed == 1 and result.texts_removed == 12

    person = YoungPerson.objects.get(pk=person.pk)
    assert person.reference == episode.young_person.reference  # the reference stays
    assert (person.given_name, person.family_name, person.preferred_name) == (
        "Anonymised",
        "young person",
        "",
    )
    original_dob = episode.young_person.date_of_birth
    assert (person.date_of_birth.year, person.date_of_birth.month) == (
        original_dob.year,
        original_dob.month,
    )
    assert person.date_of_birth != original_dob
    assert person.gender == "male" and person.ethnicity == "black_caribbean"  # reports need
    assert not KeyContact.objects.filter(young_person=person).exists()

    in_episode = {"episode": episode}
    assert SessionLog.objects.filter(**in_episode).count() == 2  # sessions stay
    assert set(SessionLog.objects.filter(**in_episode).values_list("notes", flat=True)) <= {
        services.REMOVED,
        "",
    }
    assert Goal.objects.get(**in_episode).ratings.count() == 2  # ratings stay
    assert Referral.objects.get(**in_episode).referrer_name == ""
    for model in (RiskFlag, CaseDiscussion, Action):
        assert model.objects.filter(**in_episode).exists()
    assert SessionNoteAddendum.objects.get(session_log__episode=episode).text == (services.REMOVED)

    # Nothing identifying is left anywhere the record can be read.
    export_after = export(cast.hackney.lead, person.pk)
    page = (
        signed_in_client(cast.hackney.lead)
        .get(reverse("cases:young-person", args=[person.pk]))
        .content.decode()
    )
    for secret in SECRETS:
        assert secret not in export_after, secret
        assert secret not in page, secret
    assert "Anonymised young person" in page and "was anonymised on" in page
    assert json.loads(export_after)["young_person"]["anonymised_at"]

    # The other young people are untouched.
    other = episodes["young"].young_person
    assert YoungPerson.objects.get(pk=other.pk).given_name == "Yolanda"

    event = AuditEvent.objects.get(action="young_person.anonymise")
    assert event.actor_id == cast.hackney.lead.pk and event.young_person_id == person.pk
    assert event.detail["key_contacts_removed"] == 1
    assert not any(secret in json.dumps(event.detail) for secret in SECRETS)


def test_an_anonymised_record_can_no_longer_be_extended_or_anonymised(cast, worked):
    _, episodes = worked
    person = episodes["older"].young_person
    services.young_person_anonymise(actor=cast.hackney.lead, young_person=person)
    with pytest.raises(DomainError, match="already been anonymised"):
        services.young_person_anonymise(actor=cast.hackney.lead, young_person=person)
    with pytest.raises(DomainError, match="already been anonymised"):
        services.retention_extend(
            actor=cast.hackney.lead,
            young_person=person,
            keep_until=TODAY + timedelta(days=400),
            reason="x",
        )


def test_authority_rule_has_defaults_and_is_editable_by_the_administrator(cast):
    authority = cast.hackney.authority
    assert (authority.retain_until_age, authority.retain_years_after_closure) == (25, 6)
    admin = signed_in_client(cast.admin)
    url = reverse("admin:accounts_authority_change", args=[authority.pk])
    form = admin.get(url).content.decode()
    assert 'name="retain_until_age"' in form and 'name="retain_years_after_closure"' in form
    data = {
        "name": authority.name,
        "active": "on",
        "retain_until_age": "30",
        "retain_years_after_closure": "8",
    }
    assert admin.post(url, data).status_code == 302
    authority.refresh_from_db()
    assert (authority.retain_until_age, authority.retain_years_after_closure) == (30, 8)
    silly = admin.post(url, {**data, "retain_until_age": "3"})
    assert silly.status_code == 200 and "greater than or equal to 18" in silly.content.decode()


def test_a_changed_retention_rule_is_audited_with_what_it_was(cast):
    from yourchoice.models import AuditEvent

    authority = cast.hackney.authority
    url = reverse("admin:accounts_authority_change", args=[authority.pk])
    data = {"name": authority.name, "active": "on", "retain_until_age": "30"}
    assert (
        signed_in_client(cast.admin)
        .post(url, {**data, "retain_years_after_closure": "8"})
        .status_code
        == 302
    )
    event = AuditEvent.objects.get(action="authority.update")
    assert event.actor_id == cast.admin.pk and event.authority_id == authority.pk
    assert event.detail["changes"] == {
        "retain_until_age": [25, 30],
        "retain_years_after_closure": [6, 8],
    }
