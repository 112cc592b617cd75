"""What each report figure counts (docs/measures.md, "Outcome report figures"), every category
of every breakdown listed, ages and codes the programme does not expect on rows of their own,
and one rounding rule, on a small programme worked out here by hand."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services as case_services
from cases.models import Episode, YoungPerson
from outcomes import services as outcome_services
from outcomes.reports import indicators, publish, rounding, services
from outcomes.reports.indicators import Scope, compute
from tests.conftest import allocated_case, logged_session, referral

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - timedelta(days=120)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=hour)))


def close(cast, episode: Episode, on: date, reason: str = "planned") -> None:
    closure = case_services.closure_request(
        actor=cast.hackney.coach, episode=episode, ending_reason=reason, summary="Done"
    )
    case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    Episode.objects.filter(pk=episode.pk).update(closed_on=on)


def goal(cast, episode: Episode, first: int, latest: int, day: date) -> None:
    g = outcome_services.goal_set(
        actor=cast.hackney.coach, episode=episode, description="g", agreed_on=day, first_score=first
    )
    outcome_services.goal_rate(
        actor=cast.hackney.coach, goal=g, score=latest, rated_on=day + timedelta(days=7)
    )


@pytest.fixture
def programme(cast):
    """In Hackney, over the 120 days to today:

    - R, referred twice: a first episode (one attended session, closed), then a re-referral.
    - N, allocated, never met (two sessions not attended), closed; looked-after status never
      recorded.
    - L, 88 days of work at 38 attended sessions (just over 3 a week), closed: the dose met.
      L's goals went 2 to 6, 6 to 2 and 5 to 5.
    - Y, aged 10 at referral (not eligible); O, aged 18 (not eligible).
    """
    coach = cast.hackney.coach
    r1 = allocated_case(cast.hackney, given="R", age=14, received_on=TODAY - timedelta(days=110))
    logged_session(r1, coach=coach, occurred_at=at(TODAY - timedelta(days=100)))
    close(cast, r1, TODAY - timedelta(days=90), "disengaged")
    r1.refresh_from_db()
    case_services.referral_create(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        details=case_services.YoungPersonDetails(
            given_name="R", family_name="Again", date_of_birth=r1.young_person.date_of_birth
        ),
        referrer_name="Referrer",
        referrer_organisation="Children's social care",
        received_on=TODAY - timedelta(days=60),
        panel_date=TODAY - timedelta(days=61),
        risk_level="high",
        harms=["serious_violence"],
        consent_given=True,
        existing_young_person=r1.young_person,
    )

    n = allocated_case(cast.hackney, given="N", age=15, received_on=TODAY - timedelta(days=100))
    for days_ago in (95, 88):
        logged_session(
            n,
            coach=coach,
            occurred_at=at(TODAY - timedelta(days=days_ago)),
            attendance="did_not_attend",
        )
    close(cast, n, TODAY - timedelta(days=50), "disengaged")
    YoungPerson.objects.filter(pk=n.young_person_id).update(looked_after="")

    long = allocated_case(cast.hackney, given="L", age=13, received_on=TODAY - timedelta(days=95))
    first = TODAY - timedelta(days=90)
    for k in range(38):
        logged_session(long, coach=coach, occurred_at=at(first + timedelta(days=(k * 88) // 38)))
    goal(cast, long, 2, 6, first)
    goal(cast, long, 6, 2, first)
    goal(cast, long, 5, 5, first)
    close(cast, long, first + timedelta(days=87))

    referral(cast.hackney, given="Y", age=10, received_on=TODAY - timedelta(days=30))
    referral(cast.hackney, given="O", age=18, received_on=TODAY - timedelta(days=20))
    return {
        (f.indicator, f.breakdown): f
        for f in compute(Scope([cast.hackney.authority.pk], START, TODAY))
    }


def value(figures, indicator, breakdown="All"):
    return figures[(indicator, breakdown)].value


def test_a_young_person_referred_twice_is_two_episodes_and_one_young_person(programme):
    assert value(programme, "Referrals received (episodes)") == 6  # R twice, N, L, Y, O
    assert value(programme, "Young people referred") == 5
    assert value(programme, "Episodes closed") == 3
    assert value(programme, "Young people with an episode closed") == 3


def test_every_count_names_what_it_counts_in_its_name_and_unit(programme):
    said = {indicators.EPISODES: "episode", indicators.YOUNG_PEOPLE: "young people"}
    for figure in programme.values():
        if figure.kind == indicators.COUNT:
            assert figure.unit in said, figure
            assert figure.unit in figure.indicator.lower(), figure
            assert said[figure.unit] in figure.definition.lower(), figure
    # The figure that was "Young people with a goal rated twice" counted episodes.
    assert ("Young people with a goal rated twice", "All") not in programme
    assert value(programme, "Episodes with a goal rated twice") == 1


def test_median_attended_sessions_is_of_those_who_started(programme):
    # R's first episode had 1 attended session and L 38; N never started and is left out
    # (counting N's 0 made the middle value 1).
    assert value(programme, "Median attended sessions (closed episodes that started)") == 19.5
    assert value(programme, "Episodes closed", "Weeks of work: No attended session") == 1


def test_the_dose_is_reported_as_3_a_week_and_as_12_to_18_weeks(programme):
    # R: 1 session in 11 days (under 12 weeks); L: 38 in 88 days (12.6 weeks, 3.02 a week).
    assert value(programme, "Episodes closed", "Weeks of work: Under 12 weeks") == 1
    assert value(programme, "Episodes closed", "Weeks of work: 12 to 18 weeks") == 1
    assert value(programme, "Episodes closed", "Weeks of work: Over 18 weeks") == 0
    assert value(programme, "Closed episodes averaging 3 sessions a week") == 50
    assert value(programme, "Closed episodes reaching 12 weeks of work") == 50
    assert value(programme, "Closed episodes meeting the dose target") == 50


def test_goals_improving_and_falling_are_shown_beside_at_least_one_improving(programme):
    assert value(programme, "Goals rated twice") == 3
    assert value(programme, "Goals improved by 3 points or more") == Fraction(100, 3)
    assert value(programme, "Goals fallen by 3 points or more") == Fraction(100, 3)
    assert value(programme, "Episodes with a goal improved by 3 points or more") == 100
    assert value(programme, "Mean goal change (goals)") == 0


def test_ages_and_codes_outside_the_expected_get_rows_of_their_own(programme):
    received = "Referrals received (episodes)"
    assert value(programme, received, "Age at referral: Under 11") == 1  # Y
    assert value(programme, received, "Age at referral: 18 or over") == 1  # O
    assert value(programme, received, "Age at referral: 15 to 17") == 1  # N only
    assert value(programme, received, "Age at referral: 13 to 14") == 3  # R twice, L
    assert value(programme, received, "Looked-after status: Not recorded") == 1  # N
    # The same rows in every cohort's table, so the tables line up.
    assert value(programme, "Episodes started", "Age at referral: Under 11") == 0
    # In the order of the ages; other codes after the expected categories, "not recorded" last.
    ages = [b for (i, b) in programme if i == received and b.startswith("Age at referral")]
    assert ages == [
        "Age at referral: Under 11",
        "Age at referral: 11 to 12",
        "Age at referral: 13 to 14",
        "Age at referral: 15 to 17",
        "Age at referral: 18 or over",
    ]


def test_every_breakdown_lists_every_category_zeros_included(programme):
    for cohort in indicators.COHORTS:
        for dimension in cohort.dimensions:
            for _, label in dimension.expected:
                assert (cohort.episodes, f"{dimension.label}: {label}") in programme
    assert value(programme, "Episodes closed", "Ending reason: Moved away") == 0
    assert value(programme, "Episodes closed", "Gender: Female") == 0
    published = {
        (p.indicator, p.breakdown): p for p in publish.publish(list(programme.values()), 10)[0]
    }
    zero = published[("Episodes closed", "Gender: Female")]
    assert zero.value == 0 and not zero.suppressed  # zero is shown, not hidden
    assert published[("Episodes closed", "Ending reason: Disengaged")].value == "c"


@pytest.fixture
def eight_goals(cast):
    """Goal changes +4, +3, +2; +1, 0, 0; -1, 0: a mean of 9 / 8 = 1.125 exactly."""
    day = TODAY - timedelta(days=30)
    for changes in ([4, 3, 2], [1, 0, 0], [-1, 0]):
        episode = allocated_case(cast.hackney, received_on=day - timedelta(days=5))
        logged_session(episode, coach=cast.hackney.coach, occurred_at=at(day))
        for change in changes:
            goal(cast, episode, 5, 5 + change, day)
    return compute(Scope([cast.hackney.authority.pk], START, TODAY))


def test_an_exact_half_is_rounded_away_from_zero(eight_goals):
    figure = next(f for f in eight_goals if f.indicator == "Mean goal change (goals)")
    assert figure.value == Fraction(9, 8)
    rows, _ = publish.publish(eight_goals, 1)
    shown = next(r for r in rows if r.indicator == "Mean goal change (goals)")
    assert shown.value == 1.13  # round(1.125, 2) gives 1.12: halves to even


@pytest.mark.parametrize(
    ("exact", "places", "shown"),
    [
        (Fraction(77, 4), 1, "19.3"),  # 19.25
        (Fraction(-91, 20), 1, "-4.6"),  # -4.55, which no binary float holds exactly
        (Fraction(-9, 8), 2, "-1.13"),
        (Fraction(1, 3), 1, "0.3"),
        (Fraction(5, 2), 0, "3"),
        (Fraction(-5, 2), 0, "-3"),
        (Decimal("2.675"), 2, "2.68"),  # round(2.675, 2) is 2.67
        (17, 1, "17.0"),
        (19.5, 1, "19.5"),  # a median: halves are exact in binary
    ],
)
def test_the_one_rounding_rule(exact, places, shown):
    assert str(rounding.round_half_away(rounding.exact(exact), places)) == shown


def test_a_binary_fraction_is_refused_rather_than_rounded_wrongly():
    with pytest.raises(TypeError):
        rounding.exact(4.55)


def test_published_percentages_and_means_round_halves_away_from_zero():
    def figure(value, places):
        return indicators.Figure(
            "S", f"i{value}", "d", "All", value, 20, indicators.STATISTIC, "%", places
        )

    rows, _ = publish.publish([figure(Fraction(77, 4), 1), figure(Fraction(-91, 20), 1)], 10)
    assert [r.value for r in rows] == [19.3, -4.6]


def test_the_rounding_rule_is_printed_on_the_report(cast, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    allocated_case(cast.hackney)
    report, _ = services.report_request(
        actor=cast.programme_lead, authority=cast.hackney.authority, start=START, end=TODAY
    )
    report = services.report_generate(report.pk)
    for fmt in ("csv", "html"):
        name = report.files.get(format=fmt).file.name
        assert name is not None
        text = (Path(settings.MEDIA_ROOT) / name).read_text(encoding="utf-8-sig")
        assert rounding.RULE in text


def test_every_figure_is_defined_in_the_docs(programme):
    docs = (Path(settings.BASE_DIR) / "docs" / "measures.md").read_text()
    for indicator in {f.indicator for f in programme.values()}:
        assert f"**{indicator}**" in docs, indicator


def test_a_published_row_as_a_dict_has_every_field():
    # Written out by hand for speed: a field added to Published must be added there too.
    row = publish.Published("S", "I", "All", 12, False, "episodes", "Defined.")
    assert row.as_dict() == asdict(row)
