"""The template's sheets and columns: what the reader expects, the template offers and the
check reads, written once (docs/import.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.imports.models import Sheet


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    hint: str


@dataclass(frozen=True)
class SheetSpec:
    sheet: Sheet
    columns: tuple[Column, ...]
    about: str

    @property
    def title(self) -> str:
        return str(self.sheet.label)

    @property
    def slug(self) -> str:
        return self.sheet.value.replace("_", "-")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


def _c(key: str, header: str, hint: str, *, required: bool = False) -> Column:
    return Column(key, header, required, hint)


OLD_ID_HINT = "Your own id for this row, as your old system or spreadsheet had it. Unique here."
DATE_HINT = "Day first (23/04/2024) or 2024-04-23, or an Excel date."

SPECS: tuple[SheetSpec, ...] = (
    SheetSpec(
        Sheet.YOUNG_PEOPLE,
        (
            _c("old_id", "Old id", OLD_ID_HINT, required=True),
            _c(
                "given_name",
                "First name",
                "As the young person is known officially.",
                required=True,
            ),
            _c("family_name", "Last name", "", required=True),
            _c("preferred_name", "Preferred name", "What they like to be called, if different."),
            _c("date_of_birth", "Date of birth", DATE_HINT, required=True),
            _c("gender", "Gender", "Female, Male, Describes themselves another way, or Not known."),
            _c("ethnicity", "Ethnicity", "The census category, as the referral form offers it."),
            _c("special_needs", "Special educational needs", "None, SEN support, EHCP, Not known."),
            _c("looked_after", "Looked-after status", "No, Yes, Previously, Not known."),
            _c("education_status", "Education", "For example Mainstream school, College."),
            _c("youth_justice", "Youth justice involvement", "None, Out-of-court disposal, ..."),
            _c("research_consent", "Research consent", "Yes or No (No if left empty)."),
        ),
        "One row per young person.",
    ),
    SheetSpec(
        Sheet.CASES,
        (
            _c("old_id", "Old id", OLD_ID_HINT, required=True),
            _c("young_person", "Young person old id", "The young person's old id.", required=True),
            _c("referred_on", "Referral date", DATE_HINT, required=True),
            _c(
                "referrer_organisation",
                "Referred by",
                "The organisation or service.",
                required=True,
            ),
            _c("risk_level", "Risk level", "Medium or High.", required=True),
            _c(
                "harms",
                "Harms",
                "One or more, separated by ; (Serious youth violence; ...).",
                required=True,
            ),
            _c("coach_email", "Coach email", "The coach's email in Your Choice. Empty: waiting."),
            _c("allocated_on", "Allocation date", DATE_HINT + " The referral date if empty."),
            _c("closed_on", "Closed date", DATE_HINT + " Empty while the case is open."),
            _c("ending_reason", "Ending reason", "Planned ending, Disengaged, Moved away, ..."),
        ),
        "One row per case (episode of work). A young person referred twice has two cases.",
    ),
    SheetSpec(
        Sheet.SESSIONS,
        (
            _c("old_id", "Old id", OLD_ID_HINT, required=True),
            _c("case", "Case old id", "The case's old id.", required=True),
            _c("date", "Date", DATE_HINT, required=True),
            _c("time", "Time", "24-hour, like 16:30. Midday if empty."),
            _c("coach_email", "Coach email", "Who held the session. The case's coach if empty."),
            _c(
                "attendance",
                "Attendance",
                "Attended, Did not attend, Cancelled by the young person, Cancelled by the coach.",
                required=True,
            ),
            _c("duration_minutes", "Minutes", "How long it lasted (attended sessions only)."),
            _c("place", "Where", "Home, School, Community setting, Youth centre, Online, Phone."),
            _c("feeling_start", "Feeling at start", "0 to 10 (attended sessions only)."),
            _c("feeling_end", "Feeling at end", "0 to 10 (attended sessions only)."),
            _c("notes", "Notes", "The session notes."),
        ),
        "One row per session, held, missed or cancelled.",
    ),
    SheetSpec(
        Sheet.GOALS,
        (
            _c("old_id", "Old id", OLD_ID_HINT, required=True),
            _c("case", "Case old id", "The case's old id.", required=True),
            _c("description", "Goal", "In the young person's own words.", required=True),
            _c("agreed_on", "Date agreed", DATE_HINT, required=True),
            _c("status", "Status", "Working on it, Achieved or Dropped (Working on it if empty)."),
            _c("ended_on", "Date ended", DATE_HINT + " For achieved and dropped goals."),
        ),
        "One row per goal. At most three goals of a case can be worked on at once.",
    ),
    SheetSpec(
        Sheet.GOAL_RATINGS,
        (
            _c("old_id", "Old id", OLD_ID_HINT, required=True),
            _c("goal", "Goal old id", "The goal's old id.", required=True),
            _c("rated_on", "Date", DATE_HINT, required=True),
            _c("score", "Rating", "0 (not met at all) to 10 (fully met).", required=True),
            _c("session", "Session old id", "The session it was rated at, if any."),
        ),
        "One row per rating of a goal.",
    ),
    SheetSpec(
        Sheet.SDQS,
        (
            _c("old_id", "Old id", OLD_ID_HINT, required=True),
            _c("case", "Case old id", "The case's old id.", required=True),
            _c("occasion", "Occasion", "Baseline, Review or End.", required=True),
            _c("completed_on", "Date completed", DATE_HINT, required=True),
            _c("emotional", "Emotional problems", "Scale score, 0 to 10."),
            _c("conduct", "Conduct problems", "Scale score, 0 to 10."),
            _c("hyperactivity", "Hyperactivity", "Scale score, 0 to 10."),
            _c("peer", "Peer problems", "Scale score, 0 to 10."),
            _c("prosocial", "Prosocial behaviour", "Scale score, 0 to 10."),
        ),
        "One row per SDQ self-report, by its five scale scores.",
    ),
)

BY_SHEET: dict[str, SheetSpec] = {spec.sheet.value: spec for spec in SPECS}
BY_SLUG: dict[str, SheetSpec] = {spec.slug: spec for spec in SPECS}


def normal(header: object) -> str:
    """A header as compared: case, spaces and a trailing required-mark (*) do not matter."""
    text = re.sub(r"\s+", " ", str(header or "")).strip().rstrip("*").strip().lower()
    return text


def spec_for_title(title: str) -> SheetSpec | None:
    wanted = normal(title)
    return next((spec for spec in SPECS if normal(spec.title) == wanted), None)


def spec_for_headers(headers: list[str]) -> SheetSpec | None:
    """Which sheet a CSV file is, by its header row: the sheet whose required columns it has,
    most columns in common winning."""
    have = {normal(h) for h in headers}
    best: tuple[int, SheetSpec | None] = (0, None)
    for spec in SPECS:
        required = {normal(c.header) for c in spec.columns if c.required}
        if required <= have:
            common = len({normal(c.header) for c in spec.columns} & have)
            if common > best[0]:
                best = (common, spec)
    return best[1]
