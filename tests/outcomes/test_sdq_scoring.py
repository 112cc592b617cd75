"""SDQ self-report scoring against worked vectors (docs/measures.md). No database needed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outcomes.scoring.sdq import SCALES, band, band_label, score_items, score_scales


def answers(value: int) -> dict[int, int]:
    return dict.fromkeys(range(1, 26), value)


def test_all_not_true_still_scores_the_reversed_items():
    scores = score_items(answers(0))
    # Reversed items score 2 when "Not true": conduct gets item 7, hyperactivity 21 and 25,
    # peer 11 and 14.
    assert (
        scores.emotional,
        scores.conduct,
        scores.hyperactivity,
        scores.peer,
        scores.prosocial,
    ) == (0, 2, 4, 4, 0)
    assert scores.total_difficulties == 10
    assert (scores.internalising, scores.externalising) == (4, 6)


def test_all_certainly_true():
    scores = score_items(answers(2))
    assert (
        scores.emotional,
        scores.conduct,
        scores.hyperactivity,
        scores.peer,
        scores.prosocial,
    ) == (10, 8, 6, 6, 10)
    assert scores.total_difficulties == 30


def test_all_somewhat_true_is_five_everywhere_and_very_high_in_total():
    scores = score_items(answers(1))
    assert (
        scores.emotional,
        scores.conduct,
        scores.hyperactivity,
        scores.peer,
        scores.prosocial,
    ) == (5, 5, 5, 5, 5)
    assert scores.total_difficulties == 20
    assert band("total_difficulties", 20) == "very_high"


def test_a_realistic_mixed_form():
    form = answers(0)
    form.update({3: 2, 8: 1, 13: 1, 16: 2, 24: 0})  # emotional 6
    form.update({5: 1, 7: 1, 12: 0, 18: 2, 22: 1})  # conduct 1+(2-1)+0+2+1 = 5
    form.update({2: 2, 10: 1, 15: 2, 21: 0, 25: 1})  # hyperactivity 2+1+2+2+1 = 8
    form.update({6: 0, 11: 2, 14: 2, 19: 1, 23: 0})  # peer 0+0+0+1+0 = 1
    form.update({1: 2, 4: 2, 9: 1, 17: 2, 20: 1})  # prosocial 8
    scores = score_items(form)
    assert scores.as_dict() == {
        "emotional": 6,
        "conduct": 5,
        "hyperactivity": 8,
        "peer": 1,
        "prosocial": 8,
        "total_difficulties": 20,
        "internalising": 7,
        "externalising": 13,
    }


def test_reverse_scored_item_alone():
    form = answers(0)
    form[7] = 2  # "Certainly true" on a reversed conduct item scores 0
    assert score_items(form).conduct == 0


@pytest.mark.parametrize(
    ("given_answers", "expected"),
    [
        ({3: 2, 8: 2, 13: 1, 16: 0}, 6),  # 4 answered, 5 x 5/4 = 6.25 -> 6
        ({3: 2, 8: 2, 13: 2, 16: 0}, 8),  # 4 answered, 6 x 5/4 = 7.5 -> 8 (half rounds up)
        ({3: 1, 8: 1, 13: 1}, 5),  # 3 answered, 3 x 5/3 = 5
        ({3: 1, 8: 0, 13: 0}, 2),  # 3 answered, 1 x 5/3 = 1.67 -> 2
        ({3: 1, 8: 0, 13: 0, 16: 0}, 1),  # 4 answered, 1 x 5/4 = 1.25 -> 1
        ({3: 2, 8: 2}, None),  # 2 answered: missing
    ],
)
def test_proration_of_the_emotional_scale(given_answers, expected):
    form = {k: v for k, v in answers(0).items() if k not in SCALES["emotional"]}
    form.update(given_answers)
    assert score_items(form).emotional == expected


def test_a_missing_difficulty_scale_makes_the_total_missing_but_not_the_others():
    form = {k: v for k, v in answers(1).items() if k not in (6, 11, 14)}  # peer has 2 answers
    scores = score_items(form)
    assert scores.peer is None
    assert scores.total_difficulties is None and scores.internalising is None
    assert scores.externalising == 10 and scores.emotional == 5


def test_a_missing_prosocial_scale_leaves_the_total():
    form = {k: v for k, v in answers(1).items() if k not in (1, 4, 9)}
    scores = score_items(form)
    assert scores.prosocial is None
    assert scores.total_difficulties == 20


def test_none_counts_as_unanswered():
    form: dict[int, int | None] = dict(answers(1))
    form.update({3: None, 8: None, 13: None})
    assert score_items(form).emotional is None


@pytest.mark.parametrize(
    ("scale", "edges"),
    [
        (
            "total_difficulties",
            [
                (14, "close_to_average"),
                (15, "slightly_raised"),
                (17, "slightly_raised"),
                (18, "high"),
                (19, "high"),
                (20, "very_high"),
                (40, "very_high"),
            ],
        ),
        (
            "emotional",
            [(4, "close_to_average"), (5, "slightly_raised"), (6, "high"), (7, "very_high")],
        ),
        (
            "conduct",
            [(3, "close_to_average"), (4, "slightly_raised"), (5, "high"), (6, "very_high")],
        ),
        (
            "hyperactivity",
            [(5, "close_to_average"), (6, "slightly_raised"), (7, "high"), (8, "very_high")],
        ),
        ("peer", [(2, "close_to_average"), (3, "slightly_raised"), (4, "high"), (5, "very_high")]),
        (
            "prosocial",
            [
                (7, "close_to_average"),
                (6, "slightly_lowered"),
                (5, "low"),
                (4, "very_low"),
                (0, "very_low"),
            ],
        ),
    ],
)
def test_band_edges(scale, edges):
    for score, expected in edges:
        assert band(scale, score) == expected, (scale, score)


def test_band_labels_and_missing():
    assert band_label("prosocial", 6) == "Slightly lowered"
    assert band("emotional", None) is None


@pytest.mark.parametrize("bad", [{26: 1}, {0: 1}, {3: 3}, {3: -1}])
def test_invalid_answers_are_refused(bad):
    with pytest.raises(ValueError):
        score_items(bad)


def test_scale_entry_derives_the_totals():
    scores = score_scales(emotional=6, conduct=4, hyperactivity=7, peer=3, prosocial=8)
    assert (scores.total_difficulties, scores.internalising, scores.externalising) == (20, 9, 11)
    missing = score_scales(emotional=None, conduct=4, hyperactivity=7, peer=3, prosocial=8)
    assert missing.total_difficulties is None and missing.externalising == 11
    with pytest.raises(ValueError):
        score_scales(emotional=11, conduct=0, hyperactivity=0, peer=0, prosocial=0)


complete_forms = st.fixed_dictionaries({item: st.sampled_from([0, 1, 2]) for item in range(1, 26)})


@given(complete_forms)
def test_any_complete_form_scores_within_range(form):
    scores = score_items(form)
    for scale in SCALES:
        assert 0 <= getattr(scores, scale) <= 10
    assert scores.emotional is not None and scores.conduct is not None
    assert scores.hyperactivity is not None and scores.peer is not None
    assert (
        scores.total_difficulties
        == scores.emotional + scores.conduct + scores.hyperactivity + scores.peer
    )


@given(complete_forms, st.data())
def test_up_to_two_missing_items_per_scale_never_leaves_a_scale_missing(form, data):
    for items in SCALES.values():
        for item in data.draw(st.lists(st.sampled_from(items), max_size=2, unique=True)):
            form.pop(item)
    scores = score_items(form)
    assert all(getattr(scores, scale) is not None for scale in SCALES)
