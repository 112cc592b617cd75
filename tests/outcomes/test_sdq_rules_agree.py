"""The SDQ's facts live in the scorer (outcomes/scoring/sdq.py): the report's SQL bands and the
stored measure definition agree with it."""

from __future__ import annotations

import pytest
from django.db import connection

from outcomes.models import MeasureDefinition
from outcomes.reports import indicators
from outcomes.scoring import sdq

pytestmark = pytest.mark.django_db

MAX_TOTAL = sdq.BANDS["total_difficulties"][-1][0]


def test_the_reports_sdq_cut_offs_are_the_scorers_bands():
    uppers = [upper for upper, _ in sdq.BANDS["total_difficulties"]]
    assert list(indicators.SDQ_BAND_PARAMS.values()) == uppers[:-1]


def test_the_report_bands_every_total_as_the_scorer_does():
    order: list[str | None] = [code for _, code in sdq.BANDS["total_difficulties"]]
    with connection.cursor() as cursor:
        cursor.execute(
            # The band expression is the report's own, built from constants.
            f"SELECT s, {indicators.sdq_band_sql('s')} FROM generate_series(0, %(top)s) s",  # noqa: S608
            {"top": MAX_TOTAL, **indicators.SDQ_BAND_PARAMS},
        )
        banded = dict(cursor.fetchall())
    assert banded == {
        total: order.index(sdq.band("total_difficulties", total)) for total in range(MAX_TOTAL + 1)
    }


def test_the_stored_definition_lists_the_scorers_items():
    """The definition's `items` (for an export or a second reader) says what the scorer does."""
    items = MeasureDefinition.objects.get(code="sdq-self-report", scoring="sdq").items
    assert items == {
        "numbers": list(sdq.ITEM_NUMBERS),
        "answers": {str(k): label for k, label in sdq.ANSWER_LABELS.items()},
        "reversed": sorted(sdq.REVERSED_ITEMS),
        "scales": {scale: list(numbers) for scale, numbers in sdq.SCALES.items()},
    }
