"""The disclosure check (O8, docs/disclosure.md): how narrowly a reader could pin down each
hidden count from everything published, computed exactly, and more cells hidden until nothing
can be pinned down.

What is published is a `Model`: the published values (constants), the hidden values
(unknowns, each with the lower bound a reader knows: 1 for a `c` count, since zero is always
shown), and linear `Row`s every reader knows hold between them (a breakdown adds up to its
total, eligible referrals are no more than referrals, London is the sum of its boroughs, a
published percentage of a known base...). A protected `Quantity` is a hidden count, or a
count that published figures imply (referrals minus eligible referrals, a percentage's
numerator...). For each, `ranges` solves two integer programmes with HiGHS (smallest and
largest value over every whole-number solution of the rows) and a quantity is **safe** when
at least `threshold` whole numbers are still possible: a reader learns no more than a `c`
already says. `protect` hides more of the new report's cells, the next smallest in a linked
row, and checks again until every quantity is safe.

The programmes are solved per connected part of the model (hidden values linked by rows),
each part as a linear programme first, warm-started between objectives; only where the linear
optimum is not a whole-number solution is the integer programme solved. Both give the exact
integer bounds.

With a threshold (a report's check), only safety is decided, each count with as little work
as that takes and each decision exact in its direction: safe when whole-number solutions
(witnesses) show threshold values; unsafe when bounds that hold every whole-number solution
(propagated through the rows, or a relaxation's, rounded inward) leave fewer. Small parts
first move a known whole-number solution (the report's true values) along their lines
(`_Part.moved`); large parts are first tried block by block (`_Block`). docs/disclosure.md,
"The disclosure check", says how.

This module knows nothing of reports: outcomes/reports/linked.py builds the model from them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field

import highspy
import numpy as np

Key = Hashable

INF = math.inf
_TOLERANCE = 1e-6
_FAR = 1e9  # beyond any count: a propagated bound past it is taken as no bound
_POOL = 400  # whole-number solutions kept per part, as witnesses
#: Parts with more unknowns than this are bounded by their linear programme (rounded) where its
#: optimum is fractional, rather than by the integer programme (docs/disclosure.md, "Limits").
INTEGER_LIMIT = 300
#: Parts with more unknowns than this are first tried block by block (`_Block`): most of their
#: counts are shown safe, or unsafe, by a programme a fraction of the part's size.
BLOCK_LIMIT = 150
#: A block that has decided none of the first this many counts asked of it is not asked again:
#: its part's own programmes decide the rest (a breakdown's block as large as most of its part,
#: whose outer rows leave every count too wide and whose inner holds the rest fixed).
_BLOCK_TRIES = 8
#: Whole-number solutions kept per large part, as witnesses (rows of one array).
_LARGE_POOL = 1000
#: Branch-and-bound nodes an integer programme may take. The check's take 0 or 1 (its parts'
#: linear optima are nearly whole); a part with no whole-number solution near its linear
#: one (narrow percentage rows across many reports) was still searching after 20 minutes,
#: at 4 GB. A count, not a time, so the check decides the same on any machine.
MIP_NODES = 1000


@dataclass(frozen=True)
class Row:
    """lower <= sum(coefficient * value) <= upper, known to every reader.

    `elastic` rows link different reports (London against its boroughs): reports made at
    different times may disagree a little, so if such rows cannot all hold, the check allows
    the smallest total disagreement that explains what was published, as a reader would.
    `sources` are the published figures the row rests on beyond its terms (a percentage's
    value, say): hiding one of them removes the row."""

    name: str
    terms: dict[Key, int]
    lower: float = -INF
    upper: float = INF
    elastic: bool = False
    sources: frozenset[Key] = frozenset()


@dataclass(frozen=True)
class Quantity:
    """A count that must not be pinned down: sum(coefficient * value)."""

    name: str
    terms: dict[Key, int]


@dataclass
class Model:
    known: dict[Key, int]  # published values
    hidden: dict[Key, int]  # unknown values, with the lower bound a reader knows
    rows: list[Row]
    protected: list[Quantity]
    _index: dict[Key, list[Row]] | None = field(default=None, repr=False, compare=False)
    # Which blocks an unknown belongs to, for large parts (`_Block`): one name per level, the
    # blocks of a level tried in turn (None: in every block of that level). Each block is a
    # group of unknowns a reader would move together (a breakdown across every report).
    # None: no blocks, only whole parts.
    block: Callable[[Key], tuple] | None = field(default=None, repr=False, compare=False)
    # The first level's block that links the others (totals): decided first.
    hub: Hashable | None = field(default=None, repr=False, compare=False)

    def rows_naming(self, key: Key) -> list[Row]:
        """The rows whose terms or sources name `key`."""
        if self._index is None:
            self._index = defaultdict(list)
            for row in self.rows:
                for k in set(row.terms) | row.sources:
                    self._index[k].append(row)
        return self._index.get(key, [])


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    # Shown by whole-number solutions found along the way (the true range is at least this
    # wide): enough to know a count is safe without solving for its exact bounds.
    witnessed: bool = False

    @property
    def values(self) -> float:
        """How many whole numbers are still possible."""
        return INF if math.isinf(self.high) or math.isinf(self.low) else self.high - self.low + 1

    def safe(self, threshold: int) -> bool:
        return self.values >= threshold

    def __str__(self) -> str:
        high = "no limit" if math.isinf(self.high) else f"{self.high:g}"
        return f"{'at least ' if self.witnessed else ''}{self.low:g} to {high}"


@dataclass
class Stats:
    programmes: int = 0  # linear programmes solved (each a warm re-solve)
    integer_programmes: int = 0  # integer programmes, where the linear optimum was fractional
    parts: int = 0  # connected parts of the model solved
    elastic_parts: int = 0  # parts whose cross-report rows needed to give a little
    relaxed: int = 0  # bounds of large parts taken from the linear programme, rounded
    block_programmes: int = 0  # linear programmes of blocks of large parts
    by_block: int = 0  # counts decided by a block (safe by witnesses, or unsafe by a relaxation)
    carried: int = 0  # counts safe in an earlier round, not checked again (hiding more)
    propagated: int = 0  # counts shown unsafe by propagated bounds alone, with no programme
    summed: int = 0  # counts in a part that is one line adding up to its total (no programme)
    moved: int = 0  # counts shown safe by moving a known solution (`_Part.moved`: no programme)


_SETTLED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)
#: An integer programme stopped at MIP_NODES: settled too (solving again would stop again).
_LIMITED = (
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kTimeLimit,
)


class CheckFailed(RuntimeError):
    """The rows cannot hold even allowing cross-report disagreement: the model is wrong."""


def _fold(terms: dict[Key, int], known: dict[Key, int]) -> tuple[dict[Key, int], int]:
    """Split terms into unknowns and the constant the known ones add up to."""
    unknown: dict[Key, int] = {}
    constant = 0
    for key, coefficient in terms.items():
        if coefficient == 0:
            continue
        if key in known:
            constant += coefficient * known[key]
        else:
            unknown[key] = coefficient
    return unknown, constant


class _Part:
    """One connected part of the model, as a HiGHS model kept between objectives."""

    def __init__(
        self,
        columns: list[Key],
        lower: dict[Key, int],
        rows: list[tuple[dict[Key, int], float, float, bool]],
        stats: Stats,
        hint: dict[Key, float] | None = None,
    ) -> None:
        self.columns = columns
        self.hint = hint
        self.index = {key: i for i, key in enumerate(columns)}
        self.stats = stats
        self.lower = np.array([float(lower[k]) for k in columns])
        self.rows = rows
        self.elastic = False
        self.slack_limit: float | None = None
        # Whole-number solutions found so far, as rows of one array (witnesses).
        self._capacity = _LARGE_POOL if len(columns) > BLOCK_LIMIT else _POOL
        self._pool = np.zeros((min(16, self._capacity), len(columns)))  # grows as kept
        self._kept = 0
        self._linear: highspy.Highs | None = None
        self._lowering: highspy.Highs | None = None  # a large part's, for minimums
        self.integer: highspy.Highs | None = None
        self.blocks: dict[tuple[int, Hashable], _Block] | None = None  # made when needed
        self.base: np.ndarray | None = None  # the whole-number solution blocks start from
        self.groups: list[tuple] = []
        self._incidence: tuple[list[tuple[np.ndarray, np.ndarray]], list[list[int]]] | None = None
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._stale = 0  # bounds narrowed since last propagated
        self._propagation: _Propagation | None = None
        self._checker: _Rows | None = None  # the rows, to check a witness exactly
        self._partner: list[list[int]] | None = None  # made by `_partners`
        self._hint_tried = False
        # `_room`'s: each row's terms, and their activity at the first witness.
        self._moving: tuple[list[dict[int, float]], list[float]] | None = None
        # Half the parts of a check are decided with no programme (one line adding up to its
        # total, or bounds too narrow): their solver is made when first needed. A part with
        # cross-report rows is settled now, since whether they give a little decides how
        # the rest treats it.
        if any(elastic for _, _, _, elastic in rows):
            self._settle()

    @property
    def linear(self) -> highspy.Highs:
        """The part's linear programme, kept between objectives."""
        if self._linear is None:
            self._settle()
        assert self._linear is not None  # noqa: S101 - made by _settle
        return self._linear

    def _solving(self, minimise: bool) -> highspy.Highs:
        """The linear programme to re-solve for a bound. A large part keeps a second copy for
        its minimums: each re-solve starts from the last optimum of the same sense, fewer
        pivots away than the other sense's (a fifth fewer pivots in all in London's check)."""
        linear = self.linear  # settled first: whether its cross-report rows give a little
        if not minimise or len(self.columns) <= BLOCK_LIMIT:
            return linear
        if self._lowering is None:
            self._lowering = self._highs(integer=False)
            self._solve(self._lowering, {}, minimise=True)
        return self._lowering

    def _settle(self) -> None:
        """Make the linear programme and solve it once: with no objective nothing is
        unbounded, so "unbounded or infeasible" is infeasible, and only cross-report rows
        giving a little can explain it (`_make_elastic`)."""
        self._linear = self._highs(integer=False)
        if self._status(self._solve(self._linear, {}, minimise=True)) != "optimal":
            self._make_elastic()
        else:
            self._keep(self._linear)

    def _highs(self, integer: bool) -> highspy.Highs:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if integer:
            _searching(h)
        else:
            _re_solving(h)
        n = len(self.columns)
        slack: list[int] = []  # per row, the first of its two slack columns, or -1
        extra = 0
        if self.elastic:
            for _, _, _, elastic in self.rows:
                slack.append(n + extra if elastic else -1)
                extra += 2 if elastic else 0
        total = n + extra
        lp = highspy.HighsLp()
        lp.num_col_ = total
        lp.num_row_ = len(self.rows) + (1 if self.slack_limit is not None else 0)
        lp.col_cost_ = np.zeros(total)
        lp.col_lower_ = np.concatenate([self.lower, np.zeros(extra)])
        lp.col_upper_ = np.full(total, highspy.kHighsInf)
        lower: list[float] = []
        upper: list[float] = []
        starts: list[int] = []
        indices: list[int] = []
        values: list[float] = []
        for r, (terms, low, high, elastic) in enumerate(self.rows):
            starts.append(len(indices))
            for key, coefficient in terms.items():
                indices.append(self.index[key])
                values.append(float(coefficient))
            if self.elastic and elastic:
                indices += [slack[r], slack[r] + 1]
                values += [1.0, -1.0]
            lower.append(-highspy.kHighsInf if math.isinf(low) else low)
            upper.append(highspy.kHighsInf if math.isinf(high) else high)
        if self.slack_limit is not None:
            starts.append(len(indices))
            indices += list(range(n, total))
            values += [1.0] * extra
            lower.append(-highspy.kHighsInf)
            upper.append(self.slack_limit)
        starts.append(len(indices))
        lp.row_lower_ = np.array(lower, dtype=float)
        lp.row_upper_ = np.array(upper, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = total
        lp.a_matrix_.num_row_ = lp.num_row_
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [
                highspy.HighsVarType.kContinuous
            ] * extra
        h.passModel(lp)
        self.width = total
        return h

    def _make_elastic(self) -> None:
        """The smallest total disagreement on cross-report rows that lets every row hold."""
        self.stats.elastic_parts += 1
        self.elastic = True
        h = self._highs(integer=False)
        n = len(self.columns)
        costs = {i: 1.0 for i in range(n, self.width)}
        status = self._status(self._solve(h, costs, minimise=True, by_index=True))
        if status != "optimal":
            raise CheckFailed("the published figures contradict rows that always hold")
        self.slack_limit = h.getInfo().objective_function_value + _TOLERANCE
        self._linear = self._highs(integer=False)

    def _solve(
        self,
        h: highspy.Highs,
        costs: dict,
        minimise: bool,
        by_index: bool = False,
    ) -> highspy.Highs:
        vector = np.zeros(self.width)
        for key, coefficient in costs.items():
            vector[key if by_index else self.index[key]] = coefficient
        h.changeColsCost(self.width, np.arange(self.width, dtype=np.int32), vector)
        h.changeObjectiveSense(
            highspy.ObjSense.kMinimize if minimise else highspy.ObjSense.kMaximize
        )
        h.run()
        self.stats.programmes += 1
        if h.getModelStatus() not in _SETTLED + _LIMITED:
            # A warm start that did not settle (HiGHS says "unknown"): solve afresh.
            h.clearSolver()
            h.run()
            self.stats.programmes += 1
        return h

    @staticmethod
    def _status(h: highspy.Highs) -> str:
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal"
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible"
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return "unbounded"
        if status in _LIMITED:
            return "limited"
        raise CheckFailed(f"the solver stopped: {h.modelStatusToString(status)}")

    def _keep(self, h: highspy.Highs) -> bool:
        """Keep the solution as a witness if it is whole numbers; say whether it was."""
        solution = np.array(h.getSolution().col_value[: len(self.columns)])
        if solution.size and np.all(np.abs(solution - np.round(solution)) <= _TOLERANCE):
            self.witness(np.round(solution))
            return True
        return not solution.size

    @property
    def pool(self) -> np.ndarray:
        return self._pool[: self._kept]

    def witness(self, solution: np.ndarray) -> None:
        """Keep a whole-number solution of the part."""
        if self._kept == len(self._pool) and self._kept < self._capacity:
            grown = np.zeros((min(2 * self._kept, self._capacity), len(self.columns)))
            grown[: self._kept] = self._pool
            self._pool = grown
        if self._kept < len(self._pool):
            self._pool[self._kept] = solution
            self._kept += 1

    def incidence(self) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[list[int]]]:
        """Each row's columns and coefficients, and each column's rows."""
        if self._incidence is None:
            rows = []
            columns: list[int] = []
            owners: list[int] = []
            for r, (terms, _, _, _) in enumerate(self.rows):
                index = [self.index[k] for k in terms]
                rows.append(
                    (
                        np.array(index, dtype=np.int64),
                        np.fromiter(terms.values(), dtype=float, count=len(terms)),
                    )
                )
                columns += index
                owners += [r] * len(index)
            order = np.argsort(np.array(columns, dtype=np.int64), kind="stable")
            counts = np.bincount(np.array(columns, dtype=np.int64), minlength=len(self.columns))
            by_column = np.array(owners, dtype=np.int64)[order]
            of = [chunk.tolist() for chunk in np.split(by_column, np.cumsum(counts)[:-1])]
            self._incidence = (rows, of)
        return self._incidence

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each unknown's bounds by propagation (`_Propagation`); only the lower bounds in a
        part whose cross-report rows give a little (their slack is not an unknown here)."""
        if self._bounds is None:
            found = None
            if not self.elastic:
                rows, _ = self.incidence()
                self._propagation = _Propagation(
                    len(self.columns),
                    [
                        (i, v, lo, hi)
                        for (i, v), (_, lo, hi, _) in zip(rows, self.rows, strict=True)
                    ],
                )
                found = self._propagation.run(self.lower, np.full(len(self.columns), INF))
            self._bounds = found or (self.lower.copy(), np.full(len(self.columns), INF))
        return self._bounds

    def narrow(self, key: Key, found: Range) -> None:
        """An unknown's range, found no narrower than the truth (not by witnesses): its
        bounds, propagated to the rest before the next quantity's (`propagated`)."""
        low, high = self.bounds()
        i = self.index[key]
        if found.low > low[i] or found.high < high[i]:
            low[i] = max(low[i], found.low)
            high[i] = min(high[i], found.high)
            self._stale += 1

    def propagated(self, terms: dict[Key, int], total: bool = False) -> Range:
        """The quantity's range by the propagated bounds: never narrower than the truth.
        Bounds narrowed since are propagated first; while totals are decided, only every so
        often (each run is a few milliseconds)."""
        stale = self._stale >= (16 if total else 1)
        if stale and self._bounds is not None and self._propagation is not None:
            self._stale = 0
            found = self._propagation.run(*self._bounds)
            if found is not None:
                self._bounds = found
        low, high = self.bounds()
        index, coefficients = self.vector(terms)
        with np.errstate(invalid="ignore"):
            least = np.where(
                coefficients > 0, coefficients * low[index], coefficients * high[index]
            )
            most = np.where(coefficients > 0, coefficients * high[index], coefficients * low[index])
        return Range(float(np.sum(least)), float(np.sum(most)))

    def summed(self, terms: dict[Key, int]) -> Range | None:
        """The exact range of a count of some of the part's values, where the part is one line
        adding up to a known total R (every coefficient 1, each value at least its lower bound:
        a breakdown's hidden cells beside its published total, the commonest part). The count
        can be every whole number from its values' lower bounds to R less the others' (put all
        that is left in one of them; all of them: R), so no programme is needed. None for any
        other part, or a count with other coefficients."""
        if self.elastic or len(self.rows) != 1:
            return None
        line, low, high, _ = self.rows[0]
        if low != high or len(line) != len(self.columns) or any(c != 1 for c in line.values()):
            return None
        if any(c != 1 for c in terms.values()):
            return None
        if low < float(self.lower.sum()):
            raise CheckFailed("a part of the model has no solution")
        if len(terms) == len(self.columns):
            return Range(low, low)  # the whole line: its total
        index, _ = self.vector(terms)
        least = float(self.lower[index].sum())
        return Range(least, low - (float(self.lower.sum()) - least))

    def vector(self, terms: dict[Key, int]) -> tuple[np.ndarray, np.ndarray]:
        """The quantity's columns and coefficients."""
        index = np.array([self.index[k] for k in terms], dtype=np.int64)
        return index, np.array([float(c) for c in terms.values()])

    def witnessed(self, terms: dict[Key, int]) -> tuple[float, float] | None:
        """The smallest and largest value of the quantity over the solutions kept."""
        if not len(self.pool):
            return None
        index, coefficients = self.vector(terms)
        values = self.pool[:, index] @ coefficients
        return float(values.min()), float(values.max())

    def whole_solution(self) -> np.ndarray | None:
        """One whole-number solution of the part (the blocks hold the rest of it there): the
        first witness, else the integer programme's, with no objective."""
        if len(self.pool):
            return self.pool[0]
        if self.elastic:
            return None
        hinted = self._hinted()
        if hinted is not None:
            self.witness(hinted)
            return hinted
        repaired = self._repair()
        if repaired is not None:
            self.witness(repaired)
            return repaired
        if len(self.columns) > INTEGER_LIMIT * 4:
            return None
        if self.integer is None:
            self.integer = self._highs(integer=True)
        self.stats.integer_programmes += 1
        h = self._solve(self.integer, {}, minimise=True)
        if self._status(h) != "optimal":
            return None
        self._keep(h)
        return self.pool[0] if len(self.pool) else None

    def _hinted(self) -> np.ndarray | None:
        """The hint's values for the part's unknowns, if they are a whole-number solution."""
        if self.hint is None or any(k not in self.hint for k in self.columns):
            return None
        values = np.array([self.hint[k] for k in self.columns], dtype=float)
        if np.any(np.abs(values - np.round(values)) > _TOLERANCE) or np.any(values < self.lower):
            return None
        return values if self.holds(values) else None

    def holds(self, solution: np.ndarray) -> bool:
        """Every row of the part holds, exactly, for these whole numbers (not the slack of
        rows that give a little: only for a part whose rows all hold)."""
        if self._checker is None:
            rows, _ = self.incidence()
            self._checker = _Rows([(index, v, low, high) for (index, v), (_, low, high, _) in zip(
                rows, self.rows, strict=True)])  # fmt: skip
        return self._checker.hold(solution)

    def moved(self, terms: dict[Key, int], threshold: int) -> Range | None:
        """Witnesses with no programme, for a part whose rows all hold: a whole-number solution
        already known (an earlier one, or the hint: the report's true values) moved along a
        direction that keeps every equality row, as far as the lower bounds and the other
        rows allow (`_directions`). The solutions at the quantity's furthest ends are checked
        row by row, as every witness is, and kept. Safe if they show `threshold` values; None
        if not (the programmes decide)."""
        if self.elastic or len(self.columns) > BLOCK_LIMIT:
            # Large parts have blocks; their counts are linked across reports, where a move
            # needs more than two unknowns (London's rows), so moves seldom decide them.
            return None
        if not self._kept:
            if self._hint_tried:
                return None
            self._hint_tried = True  # the hint does not change for this part: try it once
            hinted = self._hinted()
            if hinted is None:
                return None
            self.witness(hinted)
        base = self.pool[0]
        index, coefficients = self.vector(terms)
        weight = dict(zip(index.tolist(), coefficients.tolist(), strict=True))
        value = float(coefficients @ base[index])
        low = high = value
        furthest: dict[bool, tuple[dict[int, float], float]] = {}
        for direction in self._directions(weight):
            gain = sum(weight.get(c, 0.0) * step for c, step in direction.items())
            if gain == 0:
                continue
            least, most = self._room(direction, base)
            # No limit that way: a move of `threshold` is far enough, and checked like any
            # other (never a limit taken on trust).
            for t in (max(least, -threshold), min(most, threshold)):
                if value + gain * t > high:
                    high, furthest[True] = value + gain * t, (direction, t)
                elif value + gain * t < low:
                    low, furthest[False] = value + gain * t, (direction, t)
            if high - low + 1 >= threshold:
                break
        if high - low + 1 < threshold:
            return None
        for direction, t in furthest.values():
            solution = base.copy()
            for c, step in direction.items():
                solution[c] += step * t
            if not self._still_holds(solution, direction):
                return None  # never expected: the moves keep to the rows
            self.witness(solution)
        return Range(low, high, witnessed=True)

    def _directions(self, weight: dict[int, float]) -> Iterator[dict[int, float]]:
        """Directions that keep every equality row, for moving the quantity's unknowns: one
        unknown up and another down where every equality row naming either names both alike
        (two hidden cells of one breakdown line), or one alone where no equality row names it;
        then two such pairs at once, the second's unknowns sharing a row that is not an
        equality with the first's (received and eligible referrals of the same two
        categories, moved together so that neither goes below the other)."""
        rows, of = self.incidence()
        pairs = [(i, j) for i in weight for j in self._partners(i)]
        for i, j in pairs:
            yield {i: 1.0} if j < 0 else {i: 1.0, j: -1.0}
        for i, j in pairs:
            if j < 0:
                continue
            beside = {
                int(k) for r in of[i] if self.rows[r][1] != self.rows[r][2] for k in rows[r][0]
            } - {i, j}
            for k in sorted(beside):
                for m in self._partners(k):
                    if m in (i, j, k):
                        continue
                    for sign in (1.0, -1.0):
                        direction = {i: 1.0, j: -1.0, k: sign}
                        if m >= 0:
                            direction[m] = -sign
                        yield direction

    def _partners(self, i: int) -> list[int]:
        """The unknowns `_directions` may move against unknown i: those named by exactly the
        same equality rows with the same coefficients; -1 (i alone) if no equality row names
        it."""
        if self._partner is None:
            rows, _ = self.incidence()
            named: list[list[tuple[int, float]]] = [[] for _ in self.columns]
            for r, (index, values) in enumerate(rows):
                _, low, high, _ = self.rows[r]
                if low == high:
                    for c, v in zip(index.tolist(), values.tolist(), strict=True):
                        named[c].append((r, v))
            signatures = [frozenset(n) for n in named]
            alike: dict[frozenset, list[int]] = defaultdict(list)
            for c, signature in enumerate(signatures):
                alike[signature].append(c)
            self._partner = [
                [-1] if not signatures[c] else [k for k in alike[signatures[c]] if k != c]
                for c in range(len(self.columns))
            ]
        return self._partner[i]

    def _still_holds(self, solution: np.ndarray, direction: dict[int, float]) -> bool:
        """A moved solution, checked exactly: its values at their lower bounds or above, and
        every row naming a moved unknown (the others are as they were, at a solution)."""
        if any(solution[c] < self.lower[c] for c in direction):
            return False
        rows, of = self.incidence()
        for r in {r for c in direction for r in of[c]}:
            index, values = rows[r]
            _, low, high, _ = self.rows[r]
            activity = float(values @ solution[index])
            if not low - _TOLERANCE <= activity <= high + _TOLERANCE:
                return False
        return True

    def _room(self, direction: dict[int, float], base: np.ndarray) -> tuple[float, float]:
        """How far `base` (the part's first witness, `pool[0]`) may move along `direction` by
        a whole number t, as (least t, most t), within the lower bounds and the rows that are
        not equalities (the direction keeps those): t = 0 always holds."""
        rows, of = self.incidence()
        if self._moving is None:
            # Each row's terms, and its activity at `base`: the part's first witness, which
            # never changes once kept, so every move starts from it.
            self._moving = (
                [dict(zip(i.tolist(), v.tolist(), strict=True)) for i, v in rows],
                [float(v @ base[i]) for i, v in rows],
            )
        terms, activities = self._moving
        least, most = -INF, INF
        for c, step in direction.items():
            room = (base[c] - self.lower[c]) / abs(step)  # base + step * t >= lower
            if step > 0:
                least = max(least, -room)
            else:
                most = min(most, room)
        for r in {r for c in direction for r in of[c]}:
            _, row_low, row_high, _ = self.rows[r]
            if row_low == row_high:
                continue
            step = sum(terms[r].get(c, 0.0) * d for c, d in direction.items())
            if step == 0:
                continue
            activity = activities[r]
            up, down = row_high - activity, row_low - activity  # step * t within [down, up]
            if step > 0:
                most, least = min(most, up / step), max(least, down / step)
            else:
                most, least = min(most, down / step), max(least, up / step)
        return (
            -INF if math.isinf(least) else float(math.ceil(least - _TOLERANCE)),
            INF if math.isinf(most) else float(math.floor(most + _TOLERANCE)),
        )

    def _repair(self) -> np.ndarray | None:
        """A whole-number solution near the linear programme's: its fractional values (a
        percentage's numerator and base, usually) solved as a small integer programme with
        the rest held where they are. Free first: the blocks holding the fractional values;
        failing that, the values two rows from them. None if neither has a solution."""
        h = self._solve(self.linear, {}, minimise=True)
        if self._status(h) != "optimal":
            return None
        solution = np.array(h.getSolution().col_value[: len(self.columns)])
        fractional = np.flatnonzero(np.abs(solution - np.round(solution)) > _TOLERANCE)
        rows, of = self.incidence()
        attempts: list[set[int]] = []
        if self.groups:
            holding = {self.groups[i][0] for i in fractional}
            attempts.append({i for i, g in enumerate(self.groups) if g[0] in holding})
        near = set(fractional.tolist())
        for _ in range(2):
            near |= {int(i) for c in list(near) for r in of[c] for i in rows[r][0]}
        attempts.append(near)
        base = np.round(solution)
        for free in attempts:
            members = sorted(free)
            local = np.full(len(self.columns), -1, dtype=np.int64)
            local[members] = np.arange(len(members))
            programme = []
            for r in sorted({r for c in members for r in of[c]}):
                index, values = rows[r]
                _, low, high, _ = self.rows[r]
                inside = local[index] >= 0
                fixed = float(values[~inside] @ base[index[~inside]])
                programme.append((local[index[inside]], values[inside], low - fixed, high - fixed))
            mip = _programme(self.lower[members], programme, integer=True)
            mip.run()
            self.stats.integer_programmes += 1
            if mip.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                values = np.round(np.array(mip.getSolution().col_value))
                if _Rows(programme).hold(values):
                    base[members] = values
                    return base
        return None

    def block_range(
        self, terms: dict[Key, int], threshold: int, group: Callable[[Key], tuple]
    ) -> Range | None:
        """Decide the quantity in a block, if one holds it: safe if whole-number solutions of
        the block (the rest of the part held at one solution: solutions of the whole part)
        show `threshold` values; unsafe if the block's rows alone, the rest free, allow fewer
        (a reader knows at least those rows). Blocks are tried level by level (`Model.block`).
        None: no block can tell."""
        if self.elastic:
            return None  # the disagreement allowed is shared by every cross-report row
        if self.blocks is None:
            self.blocks = {}
            self.groups = [group(key) for key in self.columns]
            self.base = self.whole_solution()
        if self.base is None:
            return None
        index, coefficients = self.vector(terms)
        for level in range(len(self.groups[0]) if self.groups else 0):
            names = {self.groups[i][level] for i in index} - {None}
            if len(names) != 1:
                continue
            name = (level, names.pop())
            block = self.blocks.get(name)
            if block is None:
                members = [
                    i for i, g in enumerate(self.groups) if g[level] is None or g[level] == name[1]
                ]
                block = self.blocks[name] = _Block(self, members, self.base)
            if block.tried >= _BLOCK_TRIES and not block.decided:
                continue  # it has decided none of its first counts: the part decides the rest
            block.tried += 1
            decided = self._in_block(block, terms, index, coefficients, threshold)
            if decided is not None:
                block.decided += 1
                return decided
        return None

    def _in_block(
        self,
        block: _Block,
        terms: dict[Key, int],
        index: np.ndarray,
        coefficients: np.ndarray,
        threshold: int,
    ) -> Range | None:
        for minimise in (False, True):
            unbounded = block.inner(index, coefficients, minimise)
            seen = self.witnessed(terms)
            if unbounded and seen is not None:
                return Range(-INF, seen[1], True) if minimise else Range(seen[0], INF, True)
            if seen is not None and seen[1] - seen[0] + 1 >= threshold:
                return Range(seen[0], seen[1], witnessed=True)
        low, high = block.outer(index, coefficients)
        if high - low + 1 < threshold:
            return Range(low, high)
        return None

    def bound(self, terms: dict[Key, int], minimise: bool) -> float:
        """The exact whole-number bound (but see INTEGER_LIMIT)."""
        value, whole = self.linear_bound(terms, minimise)
        return value if whole else self.integer_bound(terms, minimise, value)

    def linear_bound(self, terms: dict[Key, int], minimise: bool) -> tuple[float, bool]:
        """The linear programme's bound, rounded inward to a whole number (every whole-number
        solution lies within it), and whether it is exact: the optimum is a whole-number
        solution (kept as a witness), or there is no limit."""
        h = self._solve(self._solving(minimise), terms, minimise)
        status = self._status(h)
        if status == "unbounded":
            return (-INF if minimise else INF), True
        if status != "optimal":
            raise CheckFailed("a part of the model has no solution")
        value = h.getInfo().objective_function_value
        if self._keep(h):
            return float(round(value)), True
        # Rounding inward is safe in one direction only. The quantity has whole coefficients,
        # so at a whole-number solution it is a whole number at least the linear minimum: at
        # least its ceiling. The rounded range therefore still holds every whole-number
        # solution (the tolerance only widens it): too narrow means unsafe for certain, but
        # wide enough does not mean safe (the whole-number range may be narrower still), which
        # takes witnesses or the integer programme (`decide`).
        return float(
            math.ceil(value - _TOLERANCE) if minimise else math.floor(value + _TOLERANCE)
        ), False

    def integer_bound(self, terms: dict[Key, int], minimise: bool, rounded: float) -> float:
        """Where the linear optimum is fractional: the integer programme's bound; for a part
        too large, the linear bound `rounded` inward (a reader could at most narrow further)."""
        if len(self.columns) > INTEGER_LIMIT:
            self.stats.relaxed += 1
            return rounded
        if self.integer is None:
            self.integer = self._highs(integer=True)
        self.stats.integer_programmes += 1
        h = self._solve(self.integer, terms, minimise)
        status = self._status(h)
        if status == "unbounded":
            return -INF if minimise else INF
        if status == "limited":
            # Stopped at MIP_NODES: the search's own bound holds every whole-number solution
            # (rounded inward, as the linear one), so at worst this is a relaxed bound.
            self.stats.relaxed += 1
            bound = h.getInfo().mip_dual_bound
            if not math.isfinite(bound):
                return rounded
            if minimise:
                return float(max(rounded, math.ceil(bound - _TOLERANCE)))
            return float(min(rounded, math.floor(bound + _TOLERANCE)))
        if status != "optimal":
            raise CheckFailed("a part of the model has no whole-number solution")
        self._keep(h)
        return float(round(h.getInfo().objective_function_value))

    def decide(self, terms: dict[Key, int], threshold: int) -> Range:
        """Whether the quantity has `threshold` possible values, with as few programmes as
        that takes. Safe as soon as witnesses show it; unsafe as soon as the linear range,
        rounded inward, is too narrow (it holds every whole-number solution, so the true
        range is narrower still: no integer programme needed). Only a wide linear range with
        a fractional end needs the integer programme, for that end."""
        found: dict[bool, tuple[float, bool]] = {}
        for minimise in (False, True):
            found[minimise] = self.linear_bound(terms, minimise)
            seen = self.witnessed(terms)
            if seen is not None:
                low = found[True][0] if True in found and found[True][1] else seen[0]
                high = found[False][0] if found[False][1] else seen[1]
                if high - low + 1 >= threshold:
                    return Range(low, high, witnessed=True)
        (low, low_exact), (high, high_exact) = found[True], found[False]
        if high - low + 1 < threshold:
            return Range(low, high)
        if not low_exact:
            low = self.integer_bound(terms, True, low)
        if not high_exact:
            high = self.integer_bound(terms, False, high)
        return Range(low, high)


def _re_solving(h: highspy.Highs) -> None:
    """Options for a linear programme solved again and again with a new objective: the primal
    simplex from the last optimal basis (still feasible: only the objective changed) takes a
    few pivots, where the default dual simplex starts nearly afresh."""
    h.setOptionValue("simplex_strategy", 4)  # primal
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_initial_condition_check", False)


def _searching(h: highspy.Highs) -> None:
    """Options for every integer programme: the search stops after MIP_NODES nodes."""
    h.setOptionValue("mip_max_nodes", MIP_NODES)


def _programme(
    lower: np.ndarray,
    rows: list[tuple[np.ndarray, np.ndarray, float, float]],
    integer: bool = False,
    upper: np.ndarray | None = None,
) -> highspy.Highs:
    """A programme over columns >= lower, rows low <= a.x <= high (`_Block`, `_Part._repair`):
    linear, or in whole numbers."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if integer:
        # Only a solution is wanted, not an optimum: HiGHS's presolve and symmetry detection
        # take longer than the search here (300 ms against 50 ms for London's largest part).
        h.setOptionValue("presolve", "off")
        h.setOptionValue("mip_detect_symmetry", False)
        _searching(h)
    else:
        _re_solving(h)
    lp = highspy.HighsLp()
    lp.num_col_ = len(lower)
    lp.num_row_ = len(rows)
    lp.col_cost_ = np.zeros(len(lower))
    lp.col_lower_ = np.array(lower, dtype=float)
    lp.col_upper_ = (
        np.full(len(lower), highspy.kHighsInf)
        if upper is None
        else np.where(np.isinf(upper), highspy.kHighsInf, upper)
    )
    starts = np.cumsum([0] + [len(index) for index, _, _, _ in rows]).astype(np.int32)
    lp.row_lower_ = np.array([-highspy.kHighsInf if math.isinf(lo) else lo for _, _, lo, _ in rows])
    lp.row_upper_ = np.array([highspy.kHighsInf if math.isinf(hi) else hi for _, _, _, hi in rows])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = len(lower)
    lp.a_matrix_.num_row_ = len(rows)
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = (
        np.concatenate([index for index, _, _, _ in rows]).astype(np.int32)
        if rows
        else np.zeros(0, dtype=np.int32)
    )
    lp.a_matrix_.value_ = (
        np.concatenate([values for _, values, _, _ in rows]) if rows else np.zeros(0)
    )
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * len(lower)
    h.passModel(lp)
    return h


class _Propagation:
    """Bounds on each whole-number unknown that the rows imply, one row at a time (what
    presolve calls bound propagation): a row's other terms at their most give a term its
    least, and so on, rounded inward to whole numbers, until nothing changes; and pairs of
    rows over the same two unknowns filtered value by value (`_filter_pair`). Every
    whole-number solution lies within the bounds, so a quantity they hold to fewer than
    threshold values is unsafe for certain. Made once per part, run again as bounds narrow."""

    def __init__(self, n: int, rows: list[tuple[np.ndarray, np.ndarray, float, float]]) -> None:
        self.n = n
        kept = [(i, v, lo, hi) for i, v, lo, hi in rows if len(i)]
        self.empty = not kept
        if self.empty:
            return
        self.rows = len(kept)
        self.index = np.concatenate([i for i, _, _, _ in kept])
        self.a = np.concatenate([v for _, v, _, _ in kept])
        self.row = np.repeat(np.arange(len(kept)), [len(i) for i, _, _, _ in kept])
        self.row_low = np.array([lo for _, _, lo, _ in kept])[self.row]
        self.row_high = np.array([hi for _, _, _, hi in kept])[self.row]
        self.positive = self.a > 0
        grouped: dict[tuple[int, int], list[tuple[float, float, float, float]]] = defaultdict(list)
        for i, v, lo, hi in kept:
            if len(i) == 2 and i[0] != i[1]:
                first, second = (0, 1) if i[0] < i[1] else (1, 0)
                grouped[(int(i[first]), int(i[second]))].append((v[first], v[second], lo, hi))
        # Only pairs with two or more rows (a percentage's two ends): one row alone is linear.
        self.pairs = [(j, k, group) for (j, k), group in grouped.items() if len(group) > 1]

    def run(
        self, low: np.ndarray, high: np.ndarray, passes: int = 40
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The bounds tightened from `low` and `high`; None if the rows cannot all hold."""
        low, high = np.array(low, dtype=float), np.array(high, dtype=float)
        if self.empty:
            return low, high
        index, a, row, positive = self.index, self.a, self.row, self.positive
        pairs = self.pairs
        with np.errstate(invalid="ignore", over="ignore"):
            for _ in range(passes):
                least = np.where(positive, a * low[index], a * high[index])  # may be -inf
                most = np.where(positive, a * high[index], a * low[index])  # may be +inf
                least_inf, most_inf = np.isinf(least), np.isinf(most)
                least_sum = np.bincount(row, np.where(least_inf, 0.0, least), self.rows)[row]
                most_sum = np.bincount(row, np.where(most_inf, 0.0, most), self.rows)[row]
                least_n = np.bincount(row, least_inf, self.rows)[row] - least_inf
                most_n = np.bincount(row, most_inf, self.rows)[row] - most_inf
                # The other terms' least and most activity, then this term's room in the row.
                others_least = np.where(
                    least_n > 0, -INF, least_sum - np.where(least_inf, 0.0, least)
                )
                others_most = np.where(most_n > 0, INF, most_sum - np.where(most_inf, 0.0, most))
                up = self.row_high - others_least  # a * x <= up
                down = self.row_low - others_most  # a * x >= down
                upper = np.where(positive, up / a, down / a)
                lowest = np.where(positive, down / a, up / a)
                new_high = np.full(self.n, INF)
                new_low = np.full(self.n, -INF)
                np.minimum.at(new_high, index, np.nan_to_num(upper, nan=INF))
                np.maximum.at(new_low, index, np.nan_to_num(lowest, nan=-INF))
                new_high = np.minimum(high, np.floor(new_high + _TOLERANCE))
                new_low = np.maximum(low, np.ceil(new_low - _TOLERANCE))
                # A bound beyond any count is no bound (and keeps the arithmetic finite).
                new_high[new_high > _FAR] = INF
                new_low[new_low < -_FAR] = -INF
                if np.any(new_low > new_high):
                    return None
                for pair in pairs:
                    if not _filter_pair(pair, new_low, new_high):
                        return None
                changed = (new_high != high) | (new_low != low)
                if not changed.any():
                    break
                # Next pass, only the pairs whose bounds moved can move again by themselves.
                pairs = [p for p in self.pairs if changed[p[0]] or changed[p[1]]]
                low, high = new_low, new_high
        return low, high


#: How many whole values `_filter_pair` tries from each end of a bound before it stops.
_PAIR_STEPS = 2000


def _filter_pair(pair: tuple[int, int, list[tuple[float, float, float, float]]],
                 low: np.ndarray, high: np.ndarray) -> bool:  # fmt: skip
    """Rows over the same two unknowns (a percentage and its base: n within a rounding step
    of p% of d): each unknown's bounds moved in to the nearest whole value that leaves the
    other a whole value within all of them. Bound by bound this finds what no linear
    reasoning does: that few bases admit a whole numerator for every percentage published
    of them. False if none does."""
    j, k, rows = pair
    for this, other, first in ((j, k, True), (k, j, False)):

        def admits(v: float, other: int = other, first: bool = first) -> bool:
            least, most = low[other], high[other]
            for a_j, a_k, row_low, row_high in rows:
                a_this, a_other = (a_j, a_k) if first else (a_k, a_j)
                lo, hi = row_low - a_this * v, row_high - a_this * v  # a_other * x in [lo, hi]
                if a_other < 0:
                    lo, hi = hi / a_other, lo / a_other
                else:
                    lo, hi = lo / a_other, hi / a_other
                least, most = max(least, lo), min(most, hi)
            if math.isinf(least) or math.isinf(most):
                return least <= most
            return math.ceil(least - _TOLERANCE) <= math.floor(most + _TOLERANCE)

        start = low[this]
        if math.isinf(start):
            continue
        v = start
        while v <= high[this] and v < start + _PAIR_STEPS and not admits(v):
            v += 1
        if v > high[this]:
            return False
        low[this] = v
        end = high[this]
        if math.isinf(end):
            continue
        v = end
        while v >= low[this] and v > end - _PAIR_STEPS and not admits(v):
            v -= 1
        if v < low[this]:
            return False
        high[this] = v
    return True


class _Rows:
    """Rows low <= a.x <= high, checked exactly for a whole-number x (a witness must satisfy
    them, not only within the solver's tolerance)."""

    def __init__(self, rows: list[tuple[np.ndarray, np.ndarray, float, float]]) -> None:
        rows = [row for row in rows if len(row[0])]
        self.empty = not rows
        if self.empty:
            return
        self.index = np.concatenate([i for i, _, _, _ in rows])
        self.values = np.concatenate([v for _, v, _, _ in rows])
        self.starts = np.cumsum([0] + [len(i) for i, _, _, _ in rows[:-1]]).astype(np.int64)
        self.low = np.array([lo for _, _, lo, _ in rows])
        self.high = np.array([hi for _, _, _, hi in rows])

    def hold(self, solution: np.ndarray) -> bool:
        if self.empty:
            return True
        activity = np.add.reduceat(self.values * solution[self.index], self.starts)
        return bool(
            np.all(activity >= self.low - _TOLERANCE) and np.all(activity <= self.high + _TOLERANCE)
        )


class _Block:
    """Some unknowns of a large part (one breakdown of every report, say), two ways.

    **Inner**: the block's unknowns free, every other unknown of the part held at one
    whole-number solution of the part (`base`). A whole-number solution of this programme,
    with the rest as in `base`, is a whole-number solution of the whole part: a witness, so a
    range it shows is one a reader cannot narrow. Never wider than the true range.

    **Outer**: only the rows naming the block's unknowns, with every unknown they name within
    its propagated bounds (`_Propagation`: implied by all the rows): fewer rows than a reader
    knows, so the range, rounded to whole numbers inward (a whole-number quantity lies within
    the linear bounds), is never narrower than the true range. A quantity the outer range
    gives fewer than threshold values is unsafe for certain."""

    def __init__(self, part: _Part, members: list[int], base: np.ndarray) -> None:
        self.part = part
        self.tried = 0  # counts asked of the block, and decided by it (`_Part.block_range`)
        self.decided = 0
        self.members = np.array(members, dtype=np.int64)
        self.base = base
        rows, of = part.incidence()
        touching = sorted({r for i in members for r in of[i]})
        local = np.full(len(part.columns), -1, dtype=np.int64)
        local[self.members] = np.arange(len(members))
        inner = []
        outer_columns = list(members)
        outer_local = local.copy()
        outer = []
        for r in touching:
            index, values = rows[r]
            _, low, high, _ = part.rows[r]
            inside = local[index] >= 0
            fixed = float(values[~inside] @ base[index[~inside]])
            inner.append((local[index[inside]], values[inside], low - fixed, high - fixed))
            for i in index[~inside]:
                if outer_local[i] < 0:
                    outer_local[i] = len(outer_columns)
                    outer_columns.append(int(i))
            outer.append((outer_local[index], values, low, high))
        self.rows = _Rows(inner)
        self.local = local
        self.outer_local = outer_local
        self.inner_lp = _programme(part.lower[self.members], inner)
        # The outer programme's unknowns within their propagated bounds: implied by every
        # row, so still never narrower than the truth, and far tighter than lower bounds.
        bounds_low, bounds_high = part.bounds()
        columns = np.array(outer_columns, dtype=np.int64)
        self.outer_lp = _programme(bounds_low[columns], outer, upper=bounds_high[columns])

    def _run(
        self, h: highspy.Highs, columns: np.ndarray, values: np.ndarray, minimise: bool
    ) -> str:
        width = h.getNumCol()
        cost = np.zeros(width)
        cost[columns] = values
        h.changeColsCost(width, np.arange(width, dtype=np.int32), cost)
        h.changeObjectiveSense(
            highspy.ObjSense.kMinimize if minimise else highspy.ObjSense.kMaximize
        )
        h.run()
        self.part.stats.block_programmes += 1
        if h.getModelStatus() not in _SETTLED:
            h.clearSolver()
            h.run()
            self.part.stats.block_programmes += 1
        return _Part._status(h)

    def inner(self, index: np.ndarray, coefficients: np.ndarray, minimise: bool) -> bool:
        """Solve the inner programme; keep its solution, made whole, as a witness. True if the
        quantity has no limit that way: the rows have whole coefficients and a whole-number
        solution exists (base), so whole-number solutions go as far as any (Meyer's theorem:
        the integer hull has the same recession cone)."""
        status = self._run(self.inner_lp, self.local[index], coefficients, minimise)
        if status == "unbounded":
            return True
        if status != "optimal":
            return False  # the base itself is a solution: only a solver's failure comes here
        solution = np.array(self.inner_lp.getSolution().col_value)
        if np.all(np.abs(solution - np.round(solution)) <= _TOLERANCE) and self.rows.hold(
            np.round(solution)
        ):
            full = self.base.copy()
            full[self.members] = np.round(solution)
            self.part.witness(full)
        return False

    def outer(self, index: np.ndarray, coefficients: np.ndarray) -> tuple[float, float]:
        """The outer range, rounded inward to whole numbers."""
        bounds: list[float] = []
        for minimise in (True, False):
            status = self._run(self.outer_lp, self.outer_local[index], coefficients, minimise)
            if status == "optimal":
                value = self.outer_lp.getInfo().objective_function_value
                bounds.append(
                    math.ceil(value - _TOLERANCE) if minimise else math.floor(value + _TOLERANCE)
                )
            else:
                bounds.append(-INF if minimise else INF)  # no limit (never infeasible)
        return float(bounds[0]), float(bounds[1])


def _parts(
    model: Model,
) -> tuple[list[list[Key]], dict[Key, int], list[tuple[Row, dict[Key, int], int]]]:
    """Connected parts of the hidden values, linked by rows (with known values folded)."""
    parent: dict[Key, Key] = {key: key for key in model.hidden}

    def find(key: Key) -> Key:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    folded = []
    for row in model.rows:
        unknown, constant = _fold(row.terms, model.known)
        missing = [k for k in unknown if k not in model.hidden]
        if missing:
            raise KeyError(f"row {row.name} names {missing[0]!r}, neither known nor hidden")
        if not unknown:
            continue
        folded.append((row, unknown, constant))
        first, *rest = unknown
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[a] = b
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in model.hidden:
        groups[find(key)].append(key)
    part_of = {}
    parts = list(groups.values())
    for i, members in enumerate(parts):
        for key in members:
            part_of[key] = i
    return parts, part_of, folded


def ranges(
    model: Model,
    quantities: Iterable[Quantity] | None = None,
    stats: Stats | None = None,
    cache: dict | None = None,
    touches: Callable[[Key], bool] | None = None,
    threshold: int | None = None,
    hint: dict[Key, float] | None = None,
) -> dict[str, Range]:
    """The smallest and largest whole-number value of each quantity (default: the protected
    ones) over every solution of the model's rows. `cache` keeps results between calls for
    parts that have not changed. With `touches`, only quantities in parts with a value or a
    row naming a key it accepts are computed (the rest cannot have changed). With `threshold`,
    a quantity that solutions already found show to have that many possible values is
    reported as witnessed rather than solved for exactly (safe is all `protect` needs).
    `hint`: values that may be a whole-number solution (an earlier round's), tried first as
    a large part's starting solution; used only if every row holds for them."""
    stats = stats or Stats()
    cache = {} if cache is None else cache
    wanted = list(model.protected if quantities is None else quantities)
    parts, part_of, folded = _parts(model)
    rows_of: dict[int, list[tuple[Row, dict[Key, int], int]]] = defaultdict(list)
    for row, unknown, constant in folded:
        rows_of[part_of[next(iter(unknown))]].append((row, unknown, constant))
    by_part: dict[int, list[tuple[Quantity, dict[Key, int], int]]] = defaultdict(list)
    result: dict[str, Range] = {}
    signatures: dict[int, tuple] = {}
    relevant: set[int] | None = None
    if touches is not None:
        relevant = {i for i, members in enumerate(parts) if any(touches(k) for k in members)}
        relevant |= {
            part_of[next(iter(unknown))]
            for row, unknown, _ in folded
            if any(touches(k) for k in row.terms)
        }
    for q in wanted:
        unknown, constant = _fold(q.terms, model.known)
        if not unknown:
            if touches is None or any(touches(k) for k in q.terms):
                result[q.name] = Range(constant, constant)
            continue
        owners = {part_of[k] for k in unknown}
        if relevant is not None and not owners & relevant:
            continue
        if len(owners) == 1:
            by_part[owners.pop()].append((q, unknown, constant))
        else:
            # Terms in unlinked parts vary independently: add up each part's range.
            low = high = float(constant)
            for owner in owners:
                sub = {k: c for k, c in unknown.items() if part_of[k] == owner}
                r = _part_range(owner, parts, rows_of, model, sub, stats, cache, signatures)
                low, high = low + r.low, high + r.high
            result[q.name] = Range(low, high)
    for owner, items in by_part.items():
        if threshold is not None and model.block is not None:
            # Totals first (the first block level's "hub": model.block's last name is shared
            # by totals): their bounds, once found, tighten their breakdowns' by propagation.
            items.sort(key=lambda item: not _is_total(item[1], model))
        for q, unknown, constant in items:
            r = _part_range(
                owner, parts, rows_of, model, unknown, stats, cache, signatures, threshold, hint
            )
            result[q.name] = Range(r.low + constant, r.high + constant, r.witnessed)
    return result


def _is_total(terms: dict[Key, int], model: Model) -> bool:
    """A single unknown in the block that links the others (`Model.hub`)."""
    if len(terms) != 1 or model.block is None or model.hub is None:
        return False
    return model.block(next(iter(terms)))[0] == model.hub


def _signature(
    members: list[Key], rows: list[tuple[Row, dict[Key, int], int]], model: Model
) -> tuple:
    return (
        frozenset((k, model.hidden[k]) for k in members),
        frozenset(
            (row.name, frozenset(unknown.items()), constant, row.lower, row.upper)
            for row, unknown, constant in rows
        ),
    )


def _part_range(
    owner: int,
    parts: list[list[Key]],
    rows_of: dict[int, list[tuple[Row, dict[Key, int], int]]],
    model: Model,
    terms: dict[Key, int],
    stats: Stats,
    cache: dict,
    signatures: dict[int, tuple],
    threshold: int | None = None,
    hint: dict[Key, float] | None = None,
) -> Range:
    if owner not in signatures:
        signatures[owner] = _signature(parts[owner], rows_of[owner], model)
    signature = signatures[owner]
    entry = cache.get(signature)
    if entry is None:
        rows = [
            (unknown, row.lower - constant, row.upper - constant, row.elastic)
            for row, unknown, constant in rows_of[owner]
        ]
        stats.parts += 1
        entry = cache[signature] = {
            "part": _Part(parts[owner], model.hidden, rows, stats, hint),
            "ranges": {},
        }
    key = tuple(sorted(terms.items(), key=repr))
    found = entry["ranges"].get(key)
    if found is not None:
        return found
    part: _Part = entry["part"]
    summed = part.summed(terms)
    if summed is not None:
        stats.summed += 1
        return summed
    if threshold is not None:
        seen = part.witnessed(terms)
        if seen is not None and seen[1] - seen[0] + 1 >= threshold:
            return Range(seen[0], seen[1], witnessed=True)
        moved = part.moved(terms, threshold)
        if moved is not None:
            stats.moved += 1
            return moved
        narrow = part.propagated(terms, _is_total(terms, model))
        if not narrow.safe(threshold):
            stats.propagated += 1
            return narrow
        decided = _decided(part, terms, threshold, model, stats)
        if not decided.witnessed and len(terms) == 1:
            # Bounds no narrower than the truth: the unknown's, for propagation to use.
            part.narrow(next(iter(terms)), decided)
        return decided
    found = entry["ranges"][key] = Range(part.bound(terms, True), part.bound(terms, False))
    return found


def _decided(
    part: _Part, terms: dict[Key, int], threshold: int, model: Model, stats: Stats
) -> Range:
    """Safe or not: block by block in a large part, else by the part's own programmes."""
    if model.block is not None and len(part.columns) > BLOCK_LIMIT:
        decided = part.block_range(terms, threshold, model.block)
        if decided is not None:
            stats.by_block += 1
            return decided
    return part.decide(terms, threshold)


@dataclass
class Outcome:
    """What `protect` did."""

    hidden: set[Key]  # the new report's cells it hid
    ranges: dict[str, Range]  # every protected quantity's final range
    unresolved: list[str]  # quantities no hiding in the new report can protect
    rounds: int
    stats: Stats = field(default_factory=Stats)

    @property
    def checked(self) -> int:
        return len(self.ranges)


def _adjacent(model: Model, keys: set[Key]) -> list[Row]:
    found: dict[int, Row] = {}
    for key in keys:
        for row in model.rows_naming(key):
            found[id(row)] = row
    return list(found.values())


def _pinning(model: Model, key: Key, also: set[Key] | frozenset[Key] = frozenset()) -> list[Row]:
    """The equality rows that would give `key` away at once if it were hidden (with `also`
    hidden beside it): rows where every other term is published (and so are their sources:
    hiding one drops the row)."""
    return [
        row
        for row in model.rows_naming(key)
        if row.terms.get(key)
        and row.lower == row.upper
        and not row.sources & also
        and all(k in model.known and k not in also for k in row.terms if k != key and row.terms[k])
    ]


def _pinned_if_hidden(model: Model, key: Key) -> bool:
    return bool(_pinning(model, key))


def _closed(model: Model, picks: set[Key], choosable: dict[Key, int], taken: set[Key]) -> set[Key]:
    """The round's picks, with one more cell in each equality row that would still give a pick
    away at once (a total hidden while its breakdown is all published): the first of its
    choosable cells in their order of choice, preferring one that would not itself be worked
    out. Hiding a pick that is worked out at once protects nothing, and each such row used to
    cost a round of its own. Rows with no cell of the new report are left to the next round's
    check."""
    closed = set(picks)
    waiting = list(picks)
    while waiting:
        key = waiting.pop()
        for row in _pinning(model, key, closed | taken):
            options = [
                k for k in row.terms if k in choosable and k not in closed and k not in taken
            ]
            if not options:
                continue
            pick = min(options, key=lambda k: (_pinned_if_hidden(model, k), choosable[k], repr(k)))
            closed.add(pick)
            waiting.append(pick)
    return closed


def _choose(model: Model, q: Quantity, choosable: dict[Key, int], taken: set[Key]) -> Key | None:
    """The cell to hide for an unsafe quantity: one of the new report's published cells in the
    quantity itself, else in a row linked to it, else further along; among them a percentage
    (it hides a derived figure only), then the smallest non-zero count, preferring cells that
    would not be worked out at once."""
    frontier = set(q.terms)
    visited = set(frontier)
    for depth in range(8):
        rows = _adjacent(model, frontier)
        linked = {k for row in rows for k in (set(row.terms) | row.sources)}
        found = [k for k in linked | (frontier if depth == 0 else set()) if k in choosable]
        found = [k for k in found if k not in taken]
        if found:
            return min(
                found,
                key=lambda k: (
                    k not in q.terms,
                    _pinned_if_hidden(model, k),
                    choosable[k],
                    repr(k),
                ),
            )
        # Only unknowns carry what a reader knows further along.
        frontier = {k for k in linked if k in model.hidden} - visited
        visited |= linked
        if not frontier:
            return None
    return None


def protect(
    build: Callable[[set[Key]], Model],
    choosable: dict[Key, int],
    threshold: int,
    max_rounds: int = 60,
    touches: Callable[[Key], bool] | None = None,
    start: dict[Key, float] | None = None,
) -> Outcome:
    """Hide more of the new report's cells until every protected quantity is safe.

    `build(hidden)` gives the model with the new report's cells in `hidden` hidden too;
    `choosable` maps the new report's published cells that may be hidden to their order of
    choice (their value: smallest first; percentages at -1, first). A quantity still unsafe
    with every choosable cell hidden was given away by earlier reports: it is `unresolved`,
    since nothing in this report can protect it. `start`: values of the unknowns that may be
    a whole-number solution (the reports' true values), for parts to start from (checked
    before use)."""
    stats = Stats()
    cache: dict = {}
    hidden: set[Key] = set()
    # Hiding more only takes away what a reader knows (a published value becomes an unknown
    # that may still be that value; a percentage hidden drops its rows): every solution of
    # one round is a solution of the next, so a count shown safe stays safe and is not
    # checked again. `build` must keep to that.
    shown_safe: dict[str, Range] = {}

    # One whole-number solution of the last model, for the next round's parts to start from:
    # by the same reasoning, it is a solution of the next model too (checked before use).
    hint: dict[Key, float] = dict(start or {})

    def remember(model: Model, entries: Iterable[dict]) -> None:
        hint.update(model.known)
        for entry in entries:
            part: _Part = entry["part"]
            solution = part.base if part.base is not None else next(iter(part.pool), None)
            if solution is not None and not part.elastic:
                hint.update(zip(part.columns, solution.tolist(), strict=True))

    def check(model: Model) -> dict[str, Range]:
        asked = [q for q in model.protected if q.name not in shown_safe]
        stats.carried += len(model.protected) - len(asked)
        before = set(cache)
        found = ranges(model, asked, stats, cache, touches, threshold, hint)
        remember(model, [cache[k] for k in cache if k not in before])
        shown_safe.update((name, r) for name, r in found.items() if r.safe(threshold))
        earlier = {q.name: shown_safe[q.name] for q in model.protected if q.name in shown_safe}
        return earlier | found

    everything: Model | None = None  # made once, if asked

    def beyond_hiding(unsafe: list[Quantity]) -> set[str]:
        """Those still unsafe with every choosable cell hidden."""
        nonlocal everything
        if everything is None:
            everything = build(set(choosable))
        names = {q.name for q in unsafe}
        asked = [q for q in everything.protected if q.name in names]
        apart: dict = {}
        worst = ranges(everything, asked, stats, apart, threshold=threshold, hint=hint)
        for entry in apart.values():
            entry["part"].blocks = None  # as below: let them go now
        return {name for name, r in worst.items() if name in names and not r.safe(threshold)}

    model = build(hidden)
    found = check(model)
    unresolved: set[str] = set()
    examined: set[str] = set()
    rounds = 0
    while rounds < max_rounds:
        unsafe = [
            q
            for q in model.protected
            if q.name in found and not found[q.name].safe(threshold) and q.name not in unresolved
        ]
        fresh = [q for q in unsafe if q.name not in examined]
        if rounds and fresh:
            # Still unsafe after a round of hiding: perhaps nothing in this report can help.
            # Asked only now, since most checks need one round and this costs about as much.
            unresolved |= beyond_hiding(fresh)
            examined |= {q.name for q in fresh}
            unsafe = [q for q in unsafe if q.name not in unresolved]
        if not unsafe:
            break
        rounds += 1
        picks = set()
        for q in unsafe:
            pick = _choose(model, q, choosable, hidden)  # two may share a pick
            if pick is None:
                unresolved.add(q.name)
            else:
                picks.add(pick)
        if not picks:
            break
        hidden |= _closed(model, picks, choosable, hidden)
        model = build(hidden)
        found = check(model)
    else:
        unresolved |= {name for name, r in found.items() if not r.safe(threshold)}
    # Parts and their blocks refer to each other: let them go now, not at the next collection
    # (a London check makes a few hundred megabytes of them).
    for entry in cache.values():
        entry["part"].blocks = None
    cache.clear()
    return Outcome(hidden, found, sorted(unresolved), rounds, stats)
