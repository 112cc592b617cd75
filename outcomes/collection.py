"""Collection occasions: which measures are due or overdue for a case (docs/programme.md O3).

Windows come from each measure definition (`windows`, in days): baseline and review count from
the start of the work (the first attended session, or the referral before it); the end measure
opens when closure is asked for (or the case closes) and is overdue a fortnight after closure.
One definition, used by the case page, the caseload and reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class State(StrEnum):
    DONE = "done"
    NOT_YET = "not_yet"
    DUE = "due"
    OVERDUE = "overdue"


STATE_LABELS = {
    State.DONE: "Done",
    State.NOT_YET: "Not due yet",
    State.DUE: "Due",
    State.OVERDUE: "Overdue",
}


@dataclass(frozen=True)
class Occasion:
    occasion: str
    label: str
    state: State
    due_on: date | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def needs_doing(self) -> bool:
        return self.state in (State.DUE, State.OVERDUE)


def _window_state(done: bool, opens: date, due: date, today: date) -> State:
    if done:
        return State.DONE
    if today < opens:
        return State.NOT_YET
    return State.OVERDUE if today > due else State.DUE


def occasions(
    *,
    windows: dict[str, dict[str, int]],
    started_on: date | None,
    referred_on: date,
    closing_from: date | None,
    closed_on: date | None,
    recorded: set[str],
    today: date,
) -> list[Occasion]:
    """Baseline, review and end for one measure on one case.

    `closing_from` is when closure was first asked for (or None); `recorded` holds the occasions
    already entered.
    """
    start = started_on or referred_on
    result = []
    baseline = windows["baseline"]
    due = start + timedelta(days=baseline["due_day"])
    result.append(
        Occasion(
            "baseline",
            "Baseline",
            _window_state(
                "baseline" in recorded, start + timedelta(days=baseline["opens_day"]), due, today
            ),
            due,
        )
    )

    review = windows["review"]
    due = start + timedelta(days=review["due_day"])
    if closed_on is not None and "review" not in recorded and closed_on < due:
        pass  # the case ended before a review was due: nothing to ask for
    else:
        result.append(
            Occasion(
                "review",
                "Review",
                _window_state(
                    "review" in recorded, start + timedelta(days=review["opens_day"]), due, today
                ),
                due,
            )
        )

    end = windows["end"]
    if closed_on is not None or closing_from is not None:
        opens = closing_from or closed_on
        due = (closed_on or today) + timedelta(days=end["due_days_after_close"])
        assert opens is not None
        result.append(
            Occasion("end", "End", _window_state("end" in recorded, opens, due, today), due)
        )
    else:
        result.append(
            Occasion("end", "End", State.DONE if "end" in recorded else State.NOT_YET, None)
        )
    return result
