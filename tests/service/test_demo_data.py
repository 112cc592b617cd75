"""The demo data loads through the services and gives every role something real to see."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import access
from accounts.models import Role, User
from cases.contexts.models import Context, ContextLink
from cases.models import Episode
from devtools import demo
from sessions.models import SessionLog

pytestmark = pytest.mark.django_db


def test_demo_seed_gives_every_role_a_sign_in_and_real_data():
    people = demo.seed(seed=1)
    assert demo.already_seeded()
    roles = {role for person in people.values() for role in access.roles(person)}
    assert roles == set(Role.values)
    coach = people["coach"]
    assert Episode.objects.visible_to(coach).count() == 5
    assert SessionLog.objects.visible_to(coach).count() > 50
    assert not Episode.objects.visible_to(people["programme"]).exists()
    # Contexts: an estate on two Hackney caseloads, and a group spanning Hackney and Southwark.
    assert set(Context.objects.visible_to(coach).values_list("name", flat=True)) == {
        "Kingsmead Estate",
        "The group at Hackney Central station",
    }
    assert ContextLink.objects.visible_to(coach).count() == 3
    southwark = Context.objects.visible_to(people["coach.southwark"]).get()
    assert southwark.authorities.count() == 2


def test_the_demo_sign_ins_list_every_role_by_its_name(settings):
    """What `make run` prints once the service is up (manage.py demo_signins)."""
    demo.seed(seed=1)
    settings.DEBUG = True  # demo_signins is for development only
    out = StringIO()
    call_command("demo_signins", stdout=out)
    text = out.getvalue()
    for label in ("Coach", "Supervisor", "Borough lead", "Programme lead", "Administrator"):
        assert f"  {label}" in text
    assert demo.demo_email("coach") in text
    assert demo.DEMO_PASSWORD in text


def test_demo_seed_makes_last_months_reports_for_every_authority_and_london(
    tmp_path, settings, client_for
):
    """A fresh demo service shows last month's figures across London: seed_demo asks for the
    reports the monthly schedule would, and the worker makes them through the same task."""
    from django.urls import reverse

    from outcomes.models import Report, ReportStatus
    from outcomes.selectors import last_whole_month
    from outcomes.tasks import generate_report
    from yourchoice.models import OutboxJob

    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True  # seed_demo is for development only
    call_command("seed_demo", stdout=StringIO())
    people = {"programme": User.objects.get(email=demo.demo_email("programme"))}
    month = last_whole_month(timezone.localdate())
    reports = Report.objects.filter(period_start=month.start, period_end=month.end)
    assert reports.count() == 34  # 33 authorities and London
    assert set(reports.values_list("status", flat=True)) == {ReportStatus.QUEUED}
    jobs = OutboxJob.objects.filter(task=generate_report.name)
    assert sorted(job.args[0] for job in jobs) == sorted(reports.values_list("pk", flat=True))
    # What the worker runs; the demo's two authorities and London are enough to look at (each
    # report takes a second or two, most of it the PDF).
    made = reports.filter(authority__name__in=["Hackney", "Southwark"]) | reports.filter(
        authority=None
    )
    for job in jobs.filter(args__0__in=list(made.values_list("pk", flat=True))):
        generate_report(*job.args)
    assert set(made.values_list("status", flat=True)) == {ReportStatus.READY}
    page = client_for(people["programme"]).get(reverse("outcomes:london"))
    text = page.content.decode()
    assert f"Figures for {month.label}" in text
    assert text.count(f"Being made for {month.label}") == 31
    view = page.context["view"]
    hackney = next(row for row in view.rows if row.authority == "Hackney")
    assert hackney.report and hackney.values[0] is not None  # referrals received, published
    assert view.london.report
    # The next start in the same month asks for nothing again.
    assert demo.last_months_reports() == 31  # still waiting for the worker
    assert reports.count() == 34
