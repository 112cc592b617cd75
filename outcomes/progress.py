"""Goal progress: one definition of change and meaningful improvement (docs/measures.md, O1).

Change is the latest rating minus the first. A rise of MEANINGFUL_GOAL_CHANGE points or more is
meaningful improvement. Pages, the chart and reports all use these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from outcomes.models import GOAL_NEAR_TOP, MEANINGFUL_GOAL_CHANGE


@dataclass(frozen=True)
class Point:
    day: date
    score: int


@dataclass(frozen=True)
class GoalProgress:
    points: tuple[Point, ...]

    @property
    def first(self) -> int | None:
        return self.points[0].score if self.points else None

    @property
    def latest(self) -> int | None:
        return self.points[-1].score if self.points else None

    @property
    def change(self) -> int | None:
        """Latest minus first; None until the goal has been rated twice."""
        if len(self.points) < 2:
            return None
        return self.points[-1].score - self.points[0].score

    @property
    def meaningful(self) -> bool:
        return self.change is not None and self.change >= MEANINGFUL_GOAL_CHANGE

    @property
    def threshold(self) -> int | None:
        """The rating that would count as meaningful improvement, if it is on the scale."""
        if self.first is None or self.first + MEANINGFUL_GOAL_CHANGE > 10:
            return None
        return self.first + MEANINGFUL_GOAL_CHANGE

    @property
    def stuck_or_falling(self) -> bool:
        """V1 "goals stuck or falling": three or more ratings, the last three never rose, and
        either the goal is below the top of the scale (GOAL_NEAR_TOP) or it fell by a meaningful
        change across them. A goal held at 9 or 10 is met, not stuck; a point's wobble up there
        is not a fall."""
        last = [p.score for p in self.points[-3:]]
        if len(last) < 3 or not last[0] >= last[1] >= last[2]:
            return False
        return last[2] < GOAL_NEAR_TOP or last[0] - last[2] >= MEANINGFUL_GOAL_CHANGE

    @property
    def summary(self) -> str:
        """The chart in words, for screen readers and for anyone in a hurry."""
        if not self.points:
            return "not rated yet"
        if self.change is None:
            return f"rated {self.first} so far"
        direction = "up" if self.change > 0 else "down" if self.change < 0 else "no change"
        amount = (
            f" {abs(self.change)} point{'s' if abs(self.change) != 1 else ''}"
            if self.change
            else ""
        )
        text = f"first {self.first}, latest {self.latest}: {direction}{amount}"
        return text + (", a meaningful improvement" if self.meaningful else "")

    @property
    def trend(self) -> str:
        """'up', 'down', 'flat' or '' (not rated twice), over the last three ratings."""
        recent = self.points[-3:]
        if len(recent) < 2:
            return ""
        delta = recent[-1].score - recent[0].score
        return "up" if delta > 0 else "down" if delta < 0 else "flat"


TREND_LABELS = {"up": "Improving", "down": "Falling", "flat": "Steady"}


def case_trend(goals: Sequence[GoalProgress]) -> str:
    """A case's goals taken together: 'Improving', 'Falling', 'Steady', or '' if too few ratings."""
    trends = [g.trend for g in goals if g.trend]
    if not trends:
        return ""
    ups, downs = trends.count("up"), trends.count("down")
    return TREND_LABELS["up" if ups > downs else "down" if downs > ups else "flat"]


class Rated(Protocol):
    """A goal rating, or anything with its day, score and id."""

    @property
    def pk(self) -> Any: ...
    @property
    def rated_on(self) -> date: ...
    @property
    def score(self) -> int: ...


def progress(ratings: Sequence[Rated]) -> GoalProgress:
    """From ratings (objects with rated_on and score) in the order they were given."""
    ordered = sorted(ratings, key=lambda r: (r.rated_on, r.pk))
    return GoalProgress(tuple(Point(r.rated_on, r.score) for r in ordered))


@dataclass(frozen=True)
class ChartGeometry:
    """An SVG line chart of one goal's ratings, drawn on the server (no script needed)."""

    width: int
    height: int
    polyline: str
    dots: tuple[tuple[float, float, int, date], ...]
    threshold_y: float | None
    gridlines: tuple[tuple[float, int], ...]
    left: int
    right: int


def chart(goal_progress: GoalProgress, *, width: int = 320, height: int = 160) -> ChartGeometry:
    left, right, top, bottom = 28, width - 8, 8, height - 20
    points = goal_progress.points

    def y(score: float) -> float:
        return round(bottom - (bottom - top) * score / 10, 1)

    if len(points) > 1:
        start, end = points[0].day, points[-1].day
        span = max((end - start).days, 1)
        xs = [round(left + (right - left) * (p.day - start).days / span, 1) for p in points]
    else:
        xs = [float(left + (right - left) / 2)] * len(points)
    dots = tuple((x, y(p.score), p.score, p.day) for x, p in zip(xs, points, strict=True))
    threshold = goal_progress.threshold
    return ChartGeometry(
        width=width,
        height=height,
        polyline=" ".join(f"{x},{py}" for x, py, _, _ in dots),
        dots=dots,
        threshold_y=y(threshold) if threshold is not None else None,
        gridlines=tuple((y(s), s) for s in (0, 5, 10)),
        left=left,
        right=right,
    )
