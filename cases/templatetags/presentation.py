"""How records look on a page, decided here rather than in the templates.

One colour of GOV.UK tag per value of each choice, keyed by its enum, so that adding a value
means adding it here (a value not listed gets the neutral colour).

`{% summary_row %}` writes a GOV.UK summary-list row whose value is more than one expression
(`_summary_row.html` holds the markup, so a simple row includes it directly).
"""

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from cases.models import EpisodeStatus, FlagLevel

register = template.Library()


@register.filter
def tel_number(phone: str) -> str:
    """A phone number as a tel: link dials it: the digits, and a leading + if there is one."""
    digits = "".join(c for c in phone if c.isdigit())
    return f"+{digits}" if phone.strip().startswith("+") else digits


class SummaryRowNode(template.Node):
    def __init__(
        self, key: FilterExpression, testid: FilterExpression | None, nodelist: template.NodeList
    ):
        self.key, self.testid, self.nodelist = key, testid, nodelist

    def render(self, context: template.Context) -> str:
        # The template between the tags has rendered, and escaped, the value already.
        value = mark_safe(self.nodelist.render(context))  # noqa: S308 - escaped by the template
        row = {
            "key": self.key.resolve(context),
            "value": value,
            "testid": self.testid.resolve(context) if self.testid else "",
        }
        return render_to_string("_summary_row.html", row)


@register.tag
def summary_row(parser: Parser, token: Token) -> SummaryRowNode:
    """{% summary_row "Key" testid="x" %}value markup{% endsummary_row %}"""
    bits = token.split_contents()
    if len(bits) not in (2, 3) or (len(bits) == 3 and not bits[2].startswith("testid=")):
        raise template.TemplateSyntaxError(
            'Use {% summary_row "Key" %} or {% summary_row "Key" testid="x" %}'
        )
    key = parser.compile_filter(bits[1])
    testid = parser.compile_filter(bits[2].removeprefix("testid=")) if len(bits) == 3 else None
    nodelist = parser.parse(("endsummary_row",))
    parser.delete_first_token()
    return SummaryRowNode(key, testid, nodelist)


FLAG_LEVEL_COLOURS: dict[str, str] = {
    FlagLevel.HIGH: "red",
    FlagLevel.MEDIUM: "orange",
    FlagLevel.LOW: "yellow",
}
EPISODE_STATUS_COLOURS: dict[str, str] = {
    EpisodeStatus.ACTIVE: "green",
    EpisodeStatus.ALLOCATED: "blue",
}


@register.filter
def flag_colour(level: str) -> str:
    return FLAG_LEVEL_COLOURS.get(level, "yellow")


@register.filter
def episode_status_colour(status: str) -> str:
    return EPISODE_STATUS_COLOURS.get(status, "grey")
