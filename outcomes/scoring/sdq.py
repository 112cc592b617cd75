"""SDQ self-report (ages 11-17) scoring, exactly as docs/measures.md describes.

The SDQ is copyright youthinmind. Its wording must not be changed and no electronic version may
be made without authorisation, so the service never displays its questions: for each item
number the coach records what the young person ticked on the paper form (0 "Not true",
1 "Somewhat true", 2 "Certainly true"), or keys in the five scale scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

ITEM_NUMBERS = range(1, 26)
ANSWER_LABELS = {0: "Not true", 1: "Somewhat true", 2: "Certainly true"}
#: Items scored the other way round: 2 - answer.
REVERSED_ITEMS = frozenset({7, 11, 14, 21, 25})
SCALES: dict[str, tuple[int, ...]] = {
    "emotional": (3, 8, 13, 16, 24),
    "conduct": (5, 7, 12, 18, 22),
    "hyperactivity": (2, 10, 15, 21, 25),
    "peer": (6, 11, 14, 19, 23),
    "prosocial": (1, 4, 9, 17, 20),
}
DIFFICULTY_SCALES = ("emotional", "conduct", "hyperactivity", "peer")
SCALE_LABELS = {
    "emotional": "Emotional problems",
    "conduct": "Conduct problems",
    "hyperactivity": "Hyperactivity",
    "peer": "Peer problems",
    "prosocial": "Prosocial behaviour",
    "total_difficulties": "Total difficulties",
}
#: A scale needs at least this many of its five items answered; 3 or 4 are prorated.
MIN_ANSWERED = 3

BAND_LABELS = {
    "close_to_average": "Close to average",
    "slightly_raised": "Slightly raised",
    "high": "High",
    "very_high": "Very high",
    "slightly_lowered": "Slightly lowered",
    "low": "Low",
    "very_low": "Very low",
}

#: Self-report four-band categories: (upper bound inclusive, band), lowest scores first.
#: To confirm with the programme (docs/measures.md).
BANDS: dict[str, tuple[tuple[int, str], ...]] = {
    "total_difficulties": (
        (14, "close_to_average"),
        (17, "slightly_raised"),
        (19, "high"),
        (40, "very_high"),
    ),
    "emotional": ((4, "close_to_average"), (5, "slightly_raised"), (6, "high"), (10, "very_high")),
    "conduct": ((3, "close_to_average"), (4, "slightly_raised"), (5, "high"), (10, "very_high")),
    "hyperactivity": (
        (5, "close_to_average"),
        (6, "slightly_raised"),
        (7, "high"),
        (10, "very_high"),
    ),
    "peer": ((2, "close_to_average"), (3, "slightly_raised"), (4, "high"), (10, "very_high")),
    # Prosocial is reversed: low scores are the concern.
    "prosocial": ((4, "very_low"), (5, "low"), (6, "slightly_lowered"), (10, "close_to_average")),
}


@dataclass(frozen=True)
class SdqScores:
    emotional: int | None
    conduct: int | None
    hyperactivity: int | None
    peer: int | None
    prosocial: int | None
    total_difficulties: int | None
    internalising: int | None
    externalising: int | None

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)


def _sum_or_none(*values: int | None) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _with_totals(scales: dict[str, int | None]) -> SdqScores:
    return SdqScores(
        **scales,
        total_difficulties=_sum_or_none(*(scales[s] for s in DIFFICULTY_SCALES)),
        internalising=_sum_or_none(scales["emotional"], scales["peer"]),
        externalising=_sum_or_none(scales["conduct"], scales["hyperactivity"]),
    )


def _scale_score(item_scores: list[int]) -> int | None:
    answered = len(item_scores)
    if answered < MIN_ANSWERED:
        return None
    if answered == 5:
        return sum(item_scores)
    # Prorate to five items, rounding halves up (not Python's round-half-to-even).
    scaled = Decimal(sum(item_scores)) * 5 / answered
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def score_items(answers: Mapping[int, int | None]) -> SdqScores:
    """Score from the answers ticked (0, 1, 2 before reversal); missing or None = unanswered."""
    for item, answer in answers.items():
        if item not in ITEM_NUMBERS:
            raise ValueError(f"There is no item {item}: SDQ items are numbered 1 to 25.")
        if answer is not None and answer not in ANSWER_LABELS:
            raise ValueError(
                f"Item {item}: choose Not true (0), Somewhat true (1) or Certainly true (2)."
            )
    scales: dict[str, int | None] = {}
    for scale, items in SCALES.items():
        scored = [
            2 - answer if item in REVERSED_ITEMS else answer
            for item in items
            if (answer := answers.get(item)) is not None
        ]
        scales[scale] = _scale_score(scored)
    return _with_totals(scales)


def score_scales(
    *,
    emotional: int | None,
    conduct: int | None,
    hyperactivity: int | None,
    peer: int | None,
    prosocial: int | None,
) -> SdqScores:
    """Scores keyed in from a paper form's scale scores (each 0-10, or missing)."""
    scales = {
        "emotional": emotional,
        "conduct": conduct,
        "hyperactivity": hyperactivity,
        "peer": peer,
        "prosocial": prosocial,
    }
    for scale, value in scales.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10
        ):
            raise ValueError(f"{SCALE_LABELS[scale]}: enter a whole number from 0 to 10.")
    return _with_totals(scales)


def band(scale: str, score: int | None) -> str | None:
    """The self-report band for a scale or total difficulties."""
    if score is None:
        return None
    for upper, code in BANDS[scale]:
        if score <= upper:
            return code
    raise ValueError(f"{score} is out of range for {SCALE_LABELS[scale]}.")


def band_label(scale: str, score: int | None) -> str | None:
    code = band(scale, score)
    return BAND_LABELS[code] if code else None
