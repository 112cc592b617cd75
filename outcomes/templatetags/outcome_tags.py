"""How reports, extracts and measure occasions look on a page: one tag colour per value, keyed by
its enum, decided here rather than in the templates (a value not listed gets the neutral colour)."""

from django import template

from outcomes.collection import State
from outcomes.models import ReportStatus

register = template.Library()

REPORT_STATUS_COLOURS: dict[str, str] = {ReportStatus.READY: "green", ReportStatus.FAILED: "red"}
OCCASION_STATE_COLOURS: dict[str, str] = {
    State.OVERDUE: "red",
    State.DUE: "yellow",
    State.DONE: "green",
}


@register.filter
def report_status_colour(status: str) -> str:
    """For reports and extracts alike: they share ReportStatus."""
    return REPORT_STATUS_COLOURS.get(status, "blue")


@register.filter
def occasion_state_colour(state: str) -> str:
    return OCCASION_STATE_COLOURS.get(state, "grey")
