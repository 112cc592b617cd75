"""Contexts of harm (docs/contexts.md, C10): who sees a context and which of its links, the
count that stands for the others (never who), and linking, ending, audit, export and retention."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.contexts import selectors, services
from cases.contexts.models import Context, ContextLink
from tests.conftest import allocated_case, signed_in_client
from yourchoice.data.errors import DomainError
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def record(actor, episode, *, name="Northwold Estate", authorities=(), reason="Seen there"):
    """A new context recorded from `episode`'s young person, by `actor`, through the service."""
    return services.context_create(
        actor=actor,
        young_person=episode.young_person,
        idempotency_key=uuid.uuid4(),
        kind="place",
        name=name,
        description="The stairwells behind the shops.",
        authorities=authorities,
        reason=reason,
        known_from=TODAY - timedelta(days=3),
    )


def link(actor, context, episode, reason="Meets friends there"):
    return services.context_link(
        actor=actor,
        context=context,
        young_person=episode.young_person,
        reason=reason,
        known_from=TODAY,
    )


def page(user, context) -> tuple[int, str]:
    response = signed_in_client(user).get(reverse("cases:context", args=[context.pk]))
    return response.status_code, response.content.decode()


@pytest.fixture
def estate(cast):
    """Northwold Estate in Hackney: the coach's young person, and her colleague's."""
    mine = allocated_case(cast.hackney, given="Amaru", family="Mine")
    theirs = allocated_case(cast.hackney, coach=cast.hackney.coach2, given="Tiwa", family="Theirs")
    context = record(cast.hackney.coach, mine).context
    link(cast.hackney.lead, context, theirs)
    return context, mine, theirs


# --- Who sees what ---------------------------------------------------------------------------


def test_coach_sees_the_context_and_her_own_young_person_and_only_a_count_of_the_other(
    cast, estate
):
    context, mine, theirs = estate
    status, html = page(cast.hackney.coach, context)
    assert status == 200
    assert "Northwold Estate" in html and "Amaru Mine" in html
    assert "Tiwa" not in html and theirs.young_person.reference not in html
    assert "And 1 young person in your authority outside the cases you work with." in html


def test_the_other_coach_sees_her_own_and_a_count_of_the_first(cast, estate):
    context, mine, _ = estate
    status, html = page(cast.hackney.coach2, context)
    assert status == 200 and "Tiwa Theirs" in html
    assert "Amaru" not in html and mine.young_person.reference not in html


def test_supervisor_and_borough_lead_see_every_link_in_their_scope(cast, estate):
    context, *_ = estate
    for user in (cast.hackney.supervisor, cast.hackney.lead):
        status, html = page(user, context)
        assert status == 200 and "Amaru Mine" in html and "Tiwa Theirs" in html
        assert 'data-testid="context-outside"' not in html


def test_another_teams_coach_and_another_borough_cannot_tell_the_context_exists(cast, estate):
    context, mine, _ = estate
    other_team_coach = allocated_case(cast.southwark).coach
    for user in (other_team_coach, cast.southwark.supervisor, cast.southwark.lead):
        assert page(user, context)[0] == 404
    for user in (cast.programme_lead, cast.evaluator, cast.admin):
        assert page(user, context)[0] == 404
    assert page(cast.hackney.coach, Context(pk=context.pk + 1000))[0] == 404


def test_a_context_spanning_two_boroughs_shows_each_its_own_and_only_a_suppressed_count(cast):
    hackney_case = allocated_case(cast.hackney, given="Amaru", family="Hackneyside")
    context = record(cast.hackney.coach, hackney_case, authorities=[cast.southwark.authority])
    context = context.context
    # Southwark's lead sees it because it spans Southwark, but not who is linked in Hackney.
    status, html = page(cast.southwark.lead, context)
    assert status == 200 and "Hackneyside" not in html
    assert "And fewer than 10 young people in other authorities." in html
    assert page(cast.southwark.coach, context)[0] == 404  # no young person of hers yet

    southwark_case = allocated_case(cast.southwark, given="Bisi", family="Southside")
    link(cast.southwark.lead, context, southwark_case)
    status, html = page(cast.southwark.coach, context)
    assert status == 200 and "Bisi Southside" in html and "Hackneyside" not in html
    assert "And fewer than 10 young people in other authorities." in html
    assert "in your authority" not in html
    status, html = page(cast.hackney.coach, context)
    assert "Amaru Hackneyside" in html and "Southside" not in html
    assert "And fewer than 10 young people in other authorities." in html
    # The lead of each borough sees their own authority's links, and never the other's.
    assert "Southside" not in page(cast.hackney.lead, context)[1]
    assert "Hackneyside" not in page(cast.southwark.lead, context)[1]


@override_settings(DISCLOSURE_THRESHOLD=3)
def test_a_count_elsewhere_is_given_exactly_only_from_the_threshold(cast):
    context = record(cast.hackney.coach, allocated_case(cast.hackney)).context
    context.authorities.add(cast.southwark.authority)
    shown = []
    for _ in range(3):
        link(cast.southwark.lead, context, allocated_case(cast.southwark))
        shown.append(page(cast.hackney.coach, context)[1])
    assert "And fewer than 3 young people in other authorities." in shown[0]
    assert "And fewer than 3 young people in other authorities." in shown[1]
    assert "And 3 young people in other authorities." in shown[2]


def test_a_transfer_takes_the_link_and_the_context_to_the_new_borough(cast, estate):
    context, mine, _ = estate
    case_services.episode_transfer(
        actor=cast.hackney.lead, episode=mine, to_authority=cast.southwark.authority
    )
    # The coach who held the young person no longer sees them, nor the context through them.
    assert page(cast.hackney.coach, context)[0] == 404
    # Southwark now holds the young person, and the context spans Southwark.
    assert set(context.authorities.values_list("pk", flat=True)) == {
        cast.hackney.authority.pk,
        cast.southwark.authority.pk,
    }
    status, html = page(cast.southwark.lead, context)
    assert status == 200 and "Amaru Mine" in html and "Tiwa" not in html
    assert "And fewer than 10 young people in other authorities." in html
    status, html = page(cast.hackney.lead, context)
    assert "Tiwa Theirs" in html and "Amaru" not in html
    assert "And fewer than 10 young people in other authorities." in html


def test_the_rule_is_the_same_in_the_selector_for_every_reader(cast, estate):
    context, mine, theirs = estate
    seen = {
        name: set(
            ContextLink.objects.visible_to(user)
            .filter(context=context)
            .values_list("young_person_id", flat=True)
        )
        for name, user in {
            "coach": cast.hackney.coach,
            "coach2": cast.hackney.coach2,
            "lead": cast.hackney.lead,
            "southwark": cast.southwark.lead,
        }.items()
    }
    assert seen == {
        "coach": {mine.young_person_id},
        "coach2": {theirs.young_person_id},
        "lead": {mine.young_person_id, theirs.young_person_id},
        "southwark": set(),
    }


# --- The API -----------------------------------------------------------------------------------


def test_the_api_gives_the_same_links_and_counts_as_the_page(cast, estate):
    from tests.api.test_api import bearer

    context, mine, theirs = estate
    context.authorities.add(cast.southwark.authority)
    link(cast.southwark.lead, context, allocated_case(cast.southwark, given="Bisi"))
    body = bearer(cast, cast.hackney.coach).get(reverse("api:context-list")).json()
    (row,) = body["results"]
    assert [item["young_person"] for item in row["links"]] == [mine.young_person_id]
    assert row["outside"] == {
        "in_your_authorities": 1,
        "in_other_authorities": None,
        "in_other_authorities_suppressed": True,
    }
    assert theirs.young_person.reference not in json.dumps(body) and "Bisi" not in json.dumps(body)
    lead = bearer(cast, cast.southwark.lead).get(reverse("api:context-detail", args=[context.pk]))
    assert lead.status_code == 200
    assert len(lead.json()["links"]) == 1
    assert lead.json()["outside"]["in_other_authorities_suppressed"] is True
    outsider = bearer(cast, cast.southwark.coach2).get(
        reverse("api:context-detail", args=[context.pk])
    )
    assert outsider.status_code == 404


# --- Linking and ending links ------------------------------------------------------------------


def test_linking_is_audited_on_the_young_persons_record_and_widens_the_span(cast, estate):
    context, mine, theirs = estate
    events = AuditEvent.objects.filter(young_person_id=mine.young_person_id)
    assert set(events.values_list("action", flat=True)) >= {"context.create", "context.link"}
    linked = AuditEvent.objects.get(action="context.link", young_person_id=theirs.young_person_id)
    assert linked.actor_id == cast.hackney.lead.pk
    assert linked.detail == {"context_id": context.pk}
    assert list(context.authorities.all()) == [cast.hackney.authority]


def test_the_young_persons_page_lists_their_contexts_and_offers_to_link(cast, estate):
    _, mine, _ = estate
    html = (
        signed_in_client(cast.hackney.coach)
        .get(reverse("cases:young-person", args=[mine.young_person_id]))
        .content.decode()
    )
    assert "Northwold Estate" in html and "Linked since" in html
    assert reverse("cases:context-link", args=[mine.young_person_id]) in html


def test_a_coach_links_her_young_person_to_a_context_she_sees(cast, estate):
    context, _, _ = estate
    other = allocated_case(cast.hackney)
    client = signed_in_client(cast.hackney.coach)
    url = reverse("cases:context-link", args=[other.young_person_id])
    assert "Northwold Estate" in client.get(url).content.decode()
    data = {
        "context": context.pk,
        "reason": "Goes there after school",
        "known_from": TODAY.isoformat(),
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # sent twice: one link
    assert ContextLink.objects.filter(context=context, young_person=other.young_person).count() == 1


def test_bad_input_is_refused_with_what_was_typed_kept(cast):
    episode = allocated_case(cast.hackney)
    client = signed_in_client(cast.hackney.coach)
    url = reverse("cases:context-new", args=[episode.young_person_id])
    response = client.post(
        url,
        {
            "idempotency_key": str(uuid.uuid4()),
            "kind": "place",
            "name": "Kingsland bus station",
            "reason": "",
            "known_from_day": "31",
            "known_from_month": "2",
            "known_from_year": TODAY.year,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kingsland bus station" in html and "Say why the young person is linked" in html
    assert not Context.objects.exists()


def test_recording_a_new_context_twice_from_one_form_makes_one(cast):
    episode = allocated_case(cast.hackney)
    client = signed_in_client(cast.hackney.coach)
    url = reverse("cases:context-new", args=[episode.young_person_id])
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "kind": "peer_group",
        "name": "The group at the station",
        "reason": "Named by the school",
        "known_from": TODAY.isoformat(),
    }
    first = client.post(url, data)
    again = client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Context.objects.count() == 1 and ContextLink.objects.count() == 1


def test_a_context_the_person_cannot_see_cannot_be_linked_to(cast):
    southwark = record(cast.southwark.coach, allocated_case(cast.southwark)).context
    episode = allocated_case(cast.hackney)
    with pytest.raises(DomainError):
        link(cast.hackney.coach, southwark, episode)
    client = signed_in_client(cast.hackney.coach)
    response = client.post(
        reverse("cases:context-link", args=[episode.young_person_id]),
        {
            "context": southwark.pk,
            "reason": "r",
            "known_from": TODAY.isoformat(),
        },
    )
    assert response.status_code == 400
    assert not ContextLink.objects.filter(young_person=episode.young_person).exists()


def test_ending_a_link_keeps_it_dated_on_the_record(cast, estate):
    context, mine, _ = estate
    current = ContextLink.objects.get(context=context, young_person=mine.young_person)
    client = signed_in_client(cast.hackney.coach)
    url = reverse("cases:context-link-end", args=[current.pk])
    ended = client.post(
        url,
        {
            "ended_on": TODAY.isoformat(),
            "end_reason": "Moved to live with his aunt",
        },
    )
    assert ended.status_code == 302
    current.refresh_from_db()
    assert current.ended_on == TODAY and current.ended_by == cast.hackney.coach
    assert AuditEvent.objects.filter(action="context.link_end", object_id=current.pk).exists()
    status, html = page(cast.hackney.coach, context)
    assert status == 200 and "Links that have ended" in html and "Moved to live" in html
    # The colleague's young person is still linked; an ended link is not counted.
    assert 'data-testid="context-outside"' in html
    assert 'data-testid="context-outside"' not in page(cast.hackney.coach2, context)[1]


def test_a_supervisor_may_link_but_only_within_her_team(cast, estate):
    context, _, _ = estate
    episode = allocated_case(cast.hackney)
    assert link(cast.hackney.supervisor, context, episode).linked_by == cast.hackney.supervisor
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        link(cast.southwark.supervisor, context, episode)


# --- The caseload review ---------------------------------------------------------------------


def flag(episode, level="medium"):
    return case_services.flag_raise(
        actor=episode.coach,
        episode=episode,
        category="violence",
        level=level,
        summary="Threatened on the way home",
        review_on=TODAY + timedelta(days=7),
    )


def test_the_review_shows_contexts_whose_young_people_had_new_flags_most_first(cast, estate):
    context, mine, theirs = estate
    quiet = record(cast.hackney.coach, allocated_case(cast.hackney), name="Quiet Park").context
    busier = record(cast.hackney.coach, allocated_case(cast.hackney), name="Busy Park")
    flag(busier.young_person.episodes.get())
    client = signed_in_client(cast.hackney.supervisor)
    html = client.get(reverse("supervision:review")).content.decode()
    assert "Busy Park" in html and "Northwold Estate" not in html
    flag(mine)
    flag(theirs)
    concerns = selectors.contexts_of_concern(cast.hackney.supervisor)
    assert [(c.name, c.young_people) for c in concerns] == [
        ("Northwold Estate", 2),
        ("Busy Park", 1),
    ]
    html = client.get(reverse("supervision:review")).content.decode()
    assert html.index("Northwold Estate") < html.index("Busy Park")
    assert "Quiet Park" not in html and quiet.pk


def test_an_old_flag_or_one_outside_the_reviewers_teams_is_not_counted(cast, estate):
    context, mine, _ = estate
    old = flag(mine)
    type(old).objects.filter(pk=old.pk).update(raised_at=timezone.now() - timedelta(days=29))
    assert selectors.contexts_of_concern(cast.hackney.supervisor) == []
    assert selectors.contexts_of_concern(cast.southwark.supervisor) == []


def test_a_flag_made_more_serious_counts_as_raised(cast, estate):
    context, mine, _ = estate
    raised = flag(mine, level="low")
    type(raised).objects.filter(pk=raised.pk).update(raised_at=timezone.now() - timedelta(days=40))
    assert selectors.contexts_of_concern(cast.hackney.supervisor) == []
    raised.refresh_from_db()
    case_services.flag_review(
        actor=cast.hackney.coach,
        flag=raised,
        version=raised.version,
        level="high",
        review_on=TODAY + timedelta(days=3),
    )
    assert [c.context_id for c in selectors.contexts_of_concern(cast.hackney.supervisor)] == [
        context.pk
    ]


# --- Subject access and retention ------------------------------------------------------------


def test_the_subject_access_export_holds_only_the_young_persons_own_links(cast, estate):
    from casework.subject_access.selectors import (
        get_young_person_for_export,
        subject_access_export,
    )

    context, mine, theirs = estate
    lead = cast.hackney.lead
    exported = subject_access_export(lead, get_young_person_for_export(lead, mine.young_person_id))
    assert [c["context"] for c in exported["contexts"]] == ["Northwold Estate"]
    assert exported["contexts"][0]["why_linked"] == "Seen there"
    text = json.dumps(exported)
    assert "Tiwa" not in text and "Meets friends there" not in text
    assert theirs.young_person.reference not in text


@pytest.fixture
def closed_and_due(cast):
    """Two closed Hackney cases past their retention date, both linked to one context."""
    from tests.cases.records import set_rule, worked_case

    set_rule(cast.hackney.authority, until_age=18, years=1)
    received = (TODAY - timedelta(days=4 * 365 + 200)).replace(day=10)
    closed_on = received + timedelta(days=90)
    first, second = (
        worked_case(
            cast.hackney,
            date_of_birth=received.replace(year=received.year - 15),
            received_on=received,
            closed_on=closed_on,
            given=given,
        )
        for given in ("Zola", "Yusuf")
    )
    context = record(cast.hackney.coach, first, reason="LINK-REASON").context
    link(cast.hackney.coach, context, second, reason="SECOND-REASON")
    return context, first, second


def test_anonymising_ends_the_links_and_then_the_context_with_its_last_young_person(
    cast, closed_and_due
):
    from casework.retention import services as retention

    context, first, second = closed_and_due
    retention.young_person_anonymise(actor=cast.hackney.lead, young_person=first.young_person)
    gone = ContextLink.objects.get(young_person=first.young_person)
    assert gone.ended_at is not None and gone.reason == services.REMOVED
    context.refresh_from_db()
    assert context.anonymised_at is None  # the second young person's record still tells of it
    event = AuditEvent.objects.get(action="young_person.anonymise")
    assert event.detail["context_links_ended"] == 1 and event.detail["contexts_anonymised"] == 0

    retention.young_person_anonymise(actor=cast.hackney.lead, young_person=second.young_person)
    context.refresh_from_db()
    assert context.anonymised_at is not None
    assert context.name == services.ANONYMISED_NAME and context.description == ""
    assert AuditEvent.objects.filter(action="context.anonymise", object_id=context.pk).exists()
    assert not ContextLink.objects.filter(context=context, ended_at__isnull=True).exists()
    assert "LINK-REASON" not in json.dumps(list(ContextLink.objects.values("reason", "end_reason")))
