"""Recording the SDQ from the paper form, and what is due when (O2, O3)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from outcomes.collection import State, occasions
from outcomes.models import MeasureResponse
from tests.conftest import allocated_case

pytestmark = pytest.mark.django_db

WINDOWS = {
    "baseline": {"opens_day": -14, "due_day": 21},
    "review": {"opens_day": 56, "due_day": 84},
    "end": {"due_days_after_close": 14},
}


def states(**kwargs) -> dict[str, State]:
    base: dict[str, Any] = dict(
        windows=WINDOWS,
        started_on=date(2026, 1, 1),
        referred_on=date(2025, 12, 20),
        closing_from=None,
        closed_on=None,
        recorded=set(),
    )
    base.update(kwargs)
    return {o.occasion: o.state for o in occasions(**base)}


def test_baseline_is_due_then_overdue_on_the_day_after_its_due_date():
    assert states(today=date(2026, 1, 22))["baseline"] == State.DUE  # day 21
    assert states(today=date(2026, 1, 23))["baseline"] == State.OVERDUE  # day 22
    assert states(today=date(2026, 1, 23), recorded={"baseline"})["baseline"] == State.DONE


def test_review_opens_at_eight_weeks():
    assert states(today=date(2026, 2, 25))["review"] == State.NOT_YET  # day 55
    assert states(today=date(2026, 2, 26))["review"] == State.DUE  # day 56


def test_end_is_due_when_closure_is_asked_for_and_overdue_two_weeks_after_closing():
    assert states(today=date(2026, 3, 1))["end"] == State.NOT_YET
    assert states(today=date(2026, 3, 1), closing_from=date(2026, 3, 1))["end"] == State.DUE
    closed = dict(closing_from=date(2026, 3, 1), closed_on=date(2026, 3, 5))
    assert states(today=date(2026, 3, 19), **closed)["end"] == State.DUE
    assert states(today=date(2026, 3, 20), **closed)["end"] == State.OVERDUE


def test_no_review_is_asked_of_a_case_that_closed_before_it_was_due():
    assert "review" not in states(
        today=date(2026, 6, 1), closed_on=date(2026, 2, 1), closing_from=date(2026, 1, 25)
    )


def item_form(occasion="baseline", **answers):
    data = {"occasion": occasion, "completed_on": timezone.localdate().isoformat()}
    data.update({f"item_{n}": "1" for n in range(1, 26)})
    data.update({f"item_{k}": v for k, v in answers.items()})
    return data


def test_coach_records_an_sdq_by_item_and_sees_scores_and_bands(cast, client_for):
    episode = allocated_case(cast.hackney)
    client = client_for(cast.hackney.coach)
    form_page = client.get(reverse("outcomes:sdq-record", args=[episode.young_person_id, "items"]))
    assert "Item 25" in form_page.content.decode()
    response = client.post(
        reverse("outcomes:sdq-record", args=[episode.young_person_id, "items"]), item_form()
    )
    assert response.status_code == 302
    stored = MeasureResponse.objects.get(episode=episode)
    assert stored.entry_mode == "items" and stored.total_score == 20
    assert stored.item_answers["7"] == 1  # the answer as ticked, before reverse scoring
    page = client.get(response["Location"]).content.decode()
    assert "SDQ recorded. Total difficulties: 20." in page
    assert "Very high" in page


def test_a_second_baseline_is_refused_with_what_was_entered_kept(cast, client_for):
    episode = allocated_case(cast.hackney)
    client = client_for(cast.hackney.coach)
    url = reverse("outcomes:sdq-record", args=[episode.young_person_id, "items"])
    client.post(url, item_form())
    again = client.post(url, item_form(**{"3": "2"}))
    assert again.status_code == 400
    body = again.content.decode()
    assert "baseline" in body.lower() and "already recorded" in body
    assert '<option value="2" selected>Certainly true</option>' in body


def test_scale_scores_can_be_keyed_in(cast, client_for):
    episode = allocated_case(cast.hackney)
    url = reverse("outcomes:sdq-record", args=[episode.young_person_id, "scales"])
    bad = client_for(cast.hackney.coach).post(
        url,
        {
            "occasion": "baseline",
            "completed_on": timezone.localdate().isoformat(),
            "emotional": "11",
        },
    )
    assert bad.status_code == 400 and "Enter a number from 0 to 10" in bad.content.decode()
    ok = client_for(cast.hackney.coach).post(
        url,
        {
            "occasion": "baseline",
            "completed_on": timezone.localdate().isoformat(),
            "emotional": "6",
            "conduct": "4",
            "hyperactivity": "7",
            "peer": "3",
            "prosocial": "8",
        },
    )
    assert ok.status_code == 302
    assert MeasureResponse.objects.get(episode=episode).total_score == 20


def test_the_questions_themselves_are_never_shown(cast, client_for):
    """Licence: item numbers and the three answer labels only (docs/measures.md)."""
    episode = allocated_case(cast.hackney)
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("outcomes:sdq-record", args=[episode.young_person_id, "items"]))
        .content.decode()
    )
    for fragment in ("considerate", "restless", "worry", "fight", "bullied"):
        assert fragment not in body.lower()


def test_the_case_page_shows_what_is_due(cast, client_for):
    episode = allocated_case(cast.hackney, received_on=timezone.localdate() - timedelta(days=40))
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("cases:young-person", args=[episode.young_person_id]))
        .content.decode()
    )
    assert "Overdue" in body  # baseline: 40 days after referral with no session
