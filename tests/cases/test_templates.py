"""Templates decide nothing about status values: they ask the record (`closure.is_pending`) or a
presentation filter (`flag.level|flag_colour`), which compare against the enums in Python."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
RAW_COMPARISON = re.compile(r"\.(status|decision|attendance|level|state)\s*(==|!=)\s*[\"']")


def test_no_template_compares_a_status_to_a_string():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if RAW_COMPARISON.search(line)
    ]
    assert not found, "Compare against the enum in Python instead:\n" + "\n".join(found)


def test_each_tag_colour_is_keyed_by_its_enum():
    from cases.models import EpisodeStatus, FlagLevel
    from cases.templatetags import presentation
    from outcomes.collection import State
    from outcomes.models import ReportStatus
    from outcomes.templatetags import outcome_tags

    assert {level: presentation.flag_colour(level) for level in FlagLevel} == {
        FlagLevel.HIGH: "red",
        FlagLevel.MEDIUM: "orange",
        FlagLevel.LOW: "yellow",
    }
    assert {status: presentation.episode_status_colour(status) for status in EpisodeStatus} == {
        EpisodeStatus.ACTIVE: "green",
        EpisodeStatus.ALLOCATED: "blue",
        EpisodeStatus.REFERRED: "grey",
        EpisodeStatus.CLOSED: "grey",
        EpisodeStatus.NOT_TAKEN_ON: "grey",
    }
    assert {status: outcome_tags.report_status_colour(status) for status in ReportStatus} == {
        ReportStatus.READY: "green",
        ReportStatus.FAILED: "red",
        ReportStatus.QUEUED: "blue",
        ReportStatus.RUNNING: "blue",
    }
    assert {state: outcome_tags.occasion_state_colour(state) for state in State} == {
        State.OVERDUE: "red",
        State.DUE: "yellow",
        State.DONE: "green",
        State.NOT_YET: "grey",
    }
