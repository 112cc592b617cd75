"""The borough lead reads who viewed or changed a young person's record (docs/programme.md X2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import allocated_case, logged_session, signed_in_client
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


def audit_url(episode, **query) -> str:
    url = reverse("cases:audit", args=[episode.young_person_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def log_missed_session(cast, episode) -> None:
    logged_session(
        episode,
        coach=cast.hackney.coach,
        occurred_at=timezone.now() - timedelta(hours=1),
        attendance="did_not_attend",
    )


def test_lead_sees_who_viewed_and_changed_the_record_newest_first(cast):
    episode = allocated_case(cast.hackney)
    signed_in_client(cast.hackney.coach).get(
        reverse("cases:young-person", args=[episode.young_person_id])
    )
    log_missed_session(cast, episode)
    page = signed_in_client(cast.hackney.lead).get(audit_url(episode)).content.decode()
    rows = page.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0]
    # Newest first: the session, then the coach opening the page, then allocation and referral.
    order = [
        rows.index("Logged a session"),
        rows.index("Viewed the record"),
        rows.index("Allocated the case to a coach"),
        rows.index("Recorded a referral"),
    ]
    assert order == sorted(order)
    assert "Hackney Coach" in rows and "Coach, Hackney team" in rows
    assert "Hackney Lead" in rows and "Borough lead, Hackney" in rows
    local = timezone.localtime(AuditEvent.objects.filter(action="session.log").get().at)
    assert local.strftime("%H:%M") in rows
    assert "session.log" not in rows  # plain English, not codes


def test_filter_by_viewed_or_changed(cast):
    episode = allocated_case(cast.hackney)
    signed_in_client(cast.hackney.coach).get(
        reverse("cases:young-person", args=[episode.young_person_id])
    )
    client = signed_in_client(cast.hackney.lead)
    viewed = client.get(audit_url(episode, kind="viewed")).content.decode()
    changed = client.get(audit_url(episode, kind="changed")).content.decode()
    assert "Viewed the record" in viewed and "Recorded a referral" not in viewed
    assert "Recorded a referral" in changed and "Viewed the record" not in changed
    # Nonsense in the filter shows everything rather than failing.
    assert client.get(audit_url(episode, kind="<script>")).status_code == 200


def test_opening_the_trail_is_itself_audited(cast):
    episode = allocated_case(cast.hackney)
    client = signed_in_client(cast.hackney.lead)
    client.get(audit_url(episode))
    event = AuditEvent.objects.get(action="young_person.audit_view")
    assert event.actor_id == cast.hackney.lead.pk
    assert event.young_person_id == episode.young_person_id
    assert "Viewed who used the record" in client.get(audit_url(episode)).content.decode()


def test_trail_is_paginated(cast):
    episode = allocated_case(cast.hackney)
    for _ in range(30):
        audit.record_for_young_person(
            actor=cast.hackney.coach,
            action=AuditAction.YOUNG_PERSON_VIEW,
            young_person=episode.young_person,
        )
    client = signed_in_client(cast.hackney.lead)
    first = client.get(audit_url(episode)).content.decode()
    assert first.count('<tr class="govuk-table__row">') == 1 + 25  # header and a page
    assert 'href="?page=2"' in first
    second = client.get(audit_url(episode, page=2)).content.decode()
    assert "Recorded a referral" in second  # the oldest event is on the last page
    assert client.get(audit_url(episode, page=99)).status_code == 200  # clamps to the last


def test_only_the_borough_lead_reads_the_trail(cast):
    episode = allocated_case(cast.hackney)
    url = audit_url(episode)
    assert signed_in_client(cast.hackney.coach).get(url).status_code == 403
    assert signed_in_client(cast.hackney.supervisor).get(url).status_code == 403
    assert signed_in_client(cast.southwark.lead).get(url).status_code == 404
    assert signed_in_client(cast.programme_lead).get(url).status_code == 404
    assert signed_in_client(cast.admin).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="young_person.audit_view").exists()


def test_young_person_page_links_to_the_trail_for_the_lead_only(cast):
    episode = allocated_case(cast.hackney)
    page_url = reverse("cases:young-person", args=[episode.young_person_id])
    assert audit_url(episode) in signed_in_client(cast.hackney.lead).get(page_url).content.decode()
    coach_page = signed_in_client(cast.hackney.coach).get(page_url).content.decode()
    assert audit_url(episode) not in coach_page


def test_trail_queries_do_not_grow_with_events(cast):
    episode = allocated_case(cast.hackney)
    client = signed_in_client(cast.hackney.lead)
    url = audit_url(episode)

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    actors = [cast.hackney.coach, cast.hackney.coach2, cast.hackney.supervisor]
    # The referral and allocation, by one person...
    one = queries()
    for n in range(50):
        audit.record(
            actor=actors[n % 3],
            action=AuditAction.YOUNG_PERSON_VIEW,
            young_person_id=episode.young_person_id,
        )
    # ...and 50 more from several people (two pages).
    fifty = queries()
    assert one == fifty


def test_the_trail_shows_only_what_happened_in_the_readers_authority(cast):
    """After a transfer, the sending borough's lead still reaches the young person through an
    earlier case, but not what the receiving borough's staff did with the record since."""
    episode = allocated_case(cast.hackney)
    audit.record(
        actor=cast.southwark.lead,
        action=AuditAction.YOUNG_PERSON_VIEW,
        obj=episode.young_person,
        young_person_id=episode.young_person_id,
        authority_id=cast.southwark.authority.pk,
    )
    page = signed_in_client(cast.hackney.lead).get(audit_url(episode)).content.decode()
    assert "Recorded a referral" in page
    assert "Southwark Lead" not in page
