"""Stored text in form labels, hints, legends and choice labels comes out escaped, on every form.

The GOV.UK form templates (crispy-forms-gds) print a field's label, hint and legend as HTML, so
a form that builds one from stored text (a goal's description, a coach's name) must escape it
where it builds it. This test does not trust any one form to remember: it writes hostile
markup into every stored-text field of every case and people model (from Django's registry,
so a new field is covered the day it is added), then renders every form page the permission
matrix lists (so a new page is covered too), as each role that reaches it, before and after a
refused submit, and looks for the markup unescaped.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django import forms
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from tests.conftest import signed_in_client
from tests.service.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(shared_cast):
    """Built once for this module's tests (tests/conftest.py)."""
    return shared_cast


#: Markup that must never reach a page as markup. Escaped, it reads "&lt;yc-x&gt;".
MARK = "<yc-x>"

#: The apps whose rows people type or administer: case records, people, places and teams.
TEXT_APPS = ("accounts", "cases", "coaching", "supervision", "outcomes")

#: Text columns that hold machine values the service looks rows up by or checks, not text a
#: person wrote: codes, hashes, secrets and versions. Changing them would break the pages
#: (the SDQ definition is found by its code), not test them.
MACHINE_VALUES = {
    "password",
    "key_hash",
    "prefix",
    "sha256",
    "salt",
    "gss_code",
    "scoring",
    "software_version",
    "version",
}


def stored_text_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every free-text column: text, not a fixed choice, not a code or a machine value."""
    return [
        (model, field)
        for label in TEXT_APPS
        for model in apps.get_app_config(label).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.SlugField)
        and not field.choices
        and field.name not in MACHINE_VALUES
    ]


def make_every_stored_text_hostile() -> int:
    """Each row's text becomes the mark and its id (ids keep unique columns unique)."""
    written = 0
    for model, field in stored_text_fields():
        if field.max_length is not None and field.max_length < len(MARK) + 7:
            continue  # too short to hold markup
        try:
            with transaction.atomic():
                written += model._default_manager.update(
                    **{field.name: Concat(Value(MARK), Cast("pk", output_field=CharField()))}
                )
        except IntegrityError:
            continue  # the database's own check refuses markup here (a reference's format)
    return written


def open_episodes_have_a_goal() -> None:
    """Goal labels are the ones the session form builds from stored text: give it some."""
    from cases.models import Episode, EpisodeStatus
    from outcomes import services

    for episode in Episode.objects.filter(
        status__in=[EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE]
    ):
        services.goal_set(
            actor=episode.coach,
            episode=episode,
            description="A goal",
            agreed_on=timezone.localdate() - timedelta(days=1),
            first_score=2,
        )


def forms_in(response) -> list[forms.BaseForm]:
    context = response.context
    if context is None:
        return []
    found = []
    for layer in context if isinstance(context, list) else [context]:
        for value in layer.flatten().values():
            if isinstance(value, forms.BaseForm) and value not in found:
                found.append(value)
    return found


class LabelText(HTMLParser):
    """The text of each label, legend, hint and choice on a page, as a reader sees it."""

    TAGS = ("label", "legend", "option")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in self.TAGS or "govuk-hint" in classes:
            self._open.append((tag, []))

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self.texts.append("".join(self._open.pop()[1]))


def label_texts(body: str) -> list[str]:
    parser = LabelText()
    parser.feed(body)
    return parser.texts


def test_every_stored_text_field_is_covered():
    """The fields made hostile below: if this list shrinks, a column dropped out of the test."""
    names = {f"{model._meta.label}.{field.name}" for model, field in stored_text_fields()}
    assert {
        "outcomes.Goal.description",
        "accounts.User.full_name",
        "accounts.Authority.name",
        "accounts.Team.name",
        "cases.YoungPerson.given_name",
        "coaching.Technique.name",
        "outcomes.MeasureDefinition.name",
    } <= names


FORM_PAGES = [
    route
    for route in MATRIX
    if route.method == "get" and not route.name.startswith(("api:", "admin:"))
]


def test_stored_text_is_escaped_in_every_label_hint_legend_and_choice(cast):
    # Every page's objects, built through the services, then every open case's goals.
    urls = {route.name: reverse(route.name, args=route.args(cast)) for route in FORM_PAGES}
    open_episodes_have_a_goal()
    assert make_every_stored_text_hostile() > 0

    form_pages: list[str] = []
    shown_escaped: list[str] = []  # pages where hostile text reached a label, as text
    for route in FORM_PAGES:
        url = urls[route.name]
        roles = [r for r, s in route.expected.items() if s == 200 and r != "anonymous"][:2]
        for role in roles:
            client = signed_in_client(cast.by_name(role))
            page = client.get(url)
            found = forms_in(page) if page.status_code == 200 else []
            if not found:
                continue
            form_pages.append(f"{role} {route.name}")
            answers = [("GET", page), ("POST", client.post(url, {}))]
            for method, response in answers:
                body = response.content.decode()
                what = f"{role} {method} {route.name} ({response.status_code})"
                assert response.status_code < 500, what
                assert MARK not in body, f"{what}: stored text printed as markup"
                if any(MARK in text for text in label_texts(body)):
                    shown_escaped.append(f"{role} {route.name}")

    # The test reached the forms it is about, and the hostile text reached their labels.
    assert len(form_pages) >= 15, form_pages
    for name in (
        "sessions:log",  # goal labels, technique choices
        "supervision:new",  # wellbeing labels, coach and case choices
        "supervision:edit",
        "cases:allocate",  # coach and team choices
        "cases:transfer",  # authority choices
        "cases:budget",  # approver choices
        "outcomes:reports",
    ):
        assert any(page.endswith(f" {name}") for page in shown_escaped), (name, shown_escaped)


def test_the_goal_label_on_the_session_form_shows_the_goal_as_text(cast, client_for):
    """The case the attack suite found: a goal written as markup is read as its words."""
    from outcomes import services
    from tests.conftest import allocated_case

    episode = allocated_case(cast.hackney)
    services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description='Go to school <a href="https://evil.test">Sign in again</a>',
        agreed_on=timezone.localdate(),
        first_score=2,
    )
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("sessions:log", args=[episode.young_person_id]))
        .content.decode()
    )
    assert "https://evil.test" in body  # the words are there...
    assert '<a href="https://evil.test">' not in body  # ...but not the link
    assert "Go to school &lt;a href=&quot;https://evil.test&quot;&gt;Sign in again&lt;/a&gt;" in (
        body
    )


def test_stored_names_in_the_referral_forms_possible_matches_are_escaped(cast, client_for):
    """The one form whose choices appear only after a submit: a referral that may be someone
    already recorded lists them by name."""
    from tests.cases.test_intake_pages import referral_data
    from tests.conftest import referral

    existing = referral(cast.hackney, given=f"{MARK}Jo", family="Example").young_person
    response = client_for(cast.hackney.lead).post(
        reverse("cases:referral-new"),
        referral_data(cast, family_name="Example", date_of_birth=existing.date_of_birth),
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Is this one of these young people?" in body
    assert MARK not in body
    assert any(f"{MARK}Jo Example" in text for text in label_texts(body))
