"""Template filters for figures: money in pounds, and counts as they may leave a borough."""

from django import template
from django.conf import settings

from outcomes.reports.disclosure import SUPPRESSED, count_is_disclosive

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    """1550 -> '15.50'."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


@register.filter
def disclosed(count: int | None) -> object:
    """A count of young people as it may leave a borough: 1 to threshold-1 shows as "c"."""

    return SUPPRESSED if count_is_disclosive(count, settings.DISCLOSURE_THRESHOLD) else count
