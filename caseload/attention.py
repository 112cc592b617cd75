"""Why a case needs attention: one definition of each signal (docs/programme.md V1).

Used by the supervisor's review, the borough lead's review, the weekly digest and the coach's
caseload, so "no contact" or "under-dosed" means the same everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cases.models import EpisodeStatus
from outcomes.collection import State

if TYPE_CHECKING:
    from caseload.rows import CaseRow

#: "Well below 3 a week": fewer than this many attended sessions a week over the last 3 weeks.
UNDER_DOSE_PER_WEEK = 1.5
UNDER_DOSE_WEEKS = 3

NO_CONTACT = "No contact for 14 days"
UNDER_DOSED = "Under-dosed"
GOALS_STUCK = "Goals stuck or falling"
MEASURES_OVERDUE = "Measures overdue"
FLAG_PAST_REVIEW = "Risk flag past its review date"
CLOSURE_WAITING = "Closure awaiting approval"
ACTIONS_OVERDUE = "Actions overdue"

#: Most urgent first: the review lists cases in this order of their first reason.
ORDER = [
    FLAG_PAST_REVIEW,
    NO_CONTACT,
    CLOSURE_WAITING,
    ACTIONS_OVERDUE,
    UNDER_DOSED,
    MEASURES_OVERDUE,
    GOALS_STUCK,
]

#: The GOV.UK tag colour of each reason on a list of cases: red for a risk or a young person
#: out of touch, orange for work falling behind, yellow for paperwork, blue for a decision
#: waiting on someone else, purple for progress. A reason not listed gets grey.
COLOURS = {
    FLAG_PAST_REVIEW: "red",
    NO_CONTACT: "red",
    CLOSURE_WAITING: "blue",
    ACTIONS_OVERDUE: "orange",
    UNDER_DOSED: "orange",
    MEASURES_OVERDUE: "yellow",
    GOALS_STUCK: "purple",
}


def colour(reason: str) -> str:
    return COLOURS.get(reason, "grey")


def under_dosed(row: CaseRow, today: date) -> bool:
    """Active for the whole of the last three weeks, and well below 3 sessions a week in them."""
    started = row.episode.started_on
    if row.episode.status != EpisodeStatus.ACTIVE or started is None:
        return False
    if (today - started).days < UNDER_DOSE_WEEKS * 7:
        return False
    return row.attended_last_3_weeks / UNDER_DOSE_WEEKS < UNDER_DOSE_PER_WEEK


def reasons(row: CaseRow, today: date) -> list[str]:
    found = []
    if row.flags_past_review:
        found.append(FLAG_PAST_REVIEW)
    if row.no_contact:
        found.append(NO_CONTACT)
    if row.pending_closure:
        found.append(CLOSURE_WAITING)
    if row.actions_overdue:
        found.append(ACTIONS_OVERDUE)
    if under_dosed(row, today):
        found.append(UNDER_DOSED)
    if any(o.state == State.OVERDUE for o in row.occasions):
        found.append(MEASURES_OVERDUE)
    if any(g.stuck_or_falling for g in row.goals):
        found.append(GOALS_STUCK)
    return found


def urgency(row: CaseRow, today: date) -> tuple[int, str]:
    """Sort key: cases with the most urgent reason first, then by name."""
    found = reasons(row, today)
    rank = min((ORDER.index(r) for r in found), default=len(ORDER))
    return rank, row.young_person.family_name.lower()
