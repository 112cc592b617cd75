"""The one rounding rule for published figures: half away from zero, from the exact value.

19.25 is published as 19.3 and -4.55 as -4.6. Python's `round` would give 19.2 and -4.5: it
rounds halves to even, and most decimals (4.55 among them) have no exact binary float, so a
float is already a little above or below the half before any rounding starts. Indicators
therefore hand over exact values (whole numbers, fractions of whole numbers, PostgreSQL's
numeric), and only this module turns them into a fixed number of decimal places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

#: Printed on every report (with no comma: it is a line of the CSV file's provenance too).
RULE = (
    "Each figure is rounded once from its exact value with halves away from zero: "
    "19.25 is shown as 19.3 and -4.55 as -4.6."
)

Exact = int | Fraction | Decimal


def exact(value: object) -> Exact:
    """A value from PostgreSQL or Python arithmetic as an exact number.

    A float is accepted only when it is a whole number or a half (what `percentile_cont` of
    whole numbers gives, and exact in binary); any other float has already lost its exact value,
    so it is refused rather than rounded wrongly."""
    if isinstance(value, bool):
        raise TypeError("a yes/no is not a figure")
    if isinstance(value, int | Fraction | Decimal):
        return value
    if isinstance(value, float):
        if (2 * value).is_integer():
            return Fraction(value)
        raise TypeError(f"{value!r} is a binary float: compute it from exact numbers")
    raise TypeError(f"{value!r} is not a number")


def round_half_away(value: Exact, places: int) -> Decimal:
    """`value` to `places` decimal places, halves away from zero (ROUND_HALF_UP in Decimal's
    terms: it rounds the magnitude)."""
    step = Decimal(1).scaleb(-places)
    with localcontext() as context:
        context.prec = 60  # enough digits for any figure here to be divided exactly enough
        if isinstance(value, Fraction):
            # Decide on the exact fraction: scale it, then compare its remainder with a half.
            scaled = value * 10**places
            whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
            if 2 * remainder >= scaled.denominator:
                whole += 1
            sign = -1 if scaled < 0 else 1
            return (Decimal(sign * whole) * step).quantize(step)
        return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def ratio(numerator: int, denominator: int) -> Fraction | None:
    """numerator / denominator exactly, or None with nothing to divide by."""
    return Fraction(numerator, denominator) if denominator else None


def percentage(numerator: int, denominator: int) -> Fraction | None:
    """100 × numerator / denominator exactly, or None with nothing to divide by."""
    return Fraction(100 * numerator, denominator) if denominator else None
