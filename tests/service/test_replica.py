"""Reports and extracts on a read replica (yourchoice/data/db.py), with the primary standing in for
the replica: the figures are the same, and the report's queries go to the replica's connection
while every write stays on the primary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outcomes.models import Report
from outcomes.reports import services
from tests.conftest import allocated_case, referral
from yourchoice.data.db import REPLICA, ReplicaRouter, reporting, reporting_alias

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def _report(cast) -> Report:
    report, _ = services.report_request(
        actor=cast.programme_lead,
        authority=cast.hackney.authority,
        start=TODAY - timedelta(days=30),
        end=TODAY,
    )
    return services.report_generate(report.pk)


@pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_a_report_reads_from_the_replica_and_gives_the_same_figures(cast, settings):
    for n in range(11):
        referral(cast.hackney, given=f"Sam{n}", received_on=TODAY - timedelta(days=3))
    allocated_case(cast.hackney, given="Alex", received_on=TODAY - timedelta(days=3))

    settings.REPORTS_ON_REPLICA = False
    on_primary = _report(cast).results

    settings.REPORTS_ON_REPLICA = True
    with (
        CaptureQueriesContext(connections[REPLICA]) as replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
    ):
        on_replica = _report(cast)
    assert on_replica.results == on_primary
    indicator_sql = [q["sql"] for q in replica.captured_queries if "cases_episode" in q["sql"]]
    assert indicator_sql, "the indicators ran on the replica"
    assert not any("cases_episode" in q["sql"] for q in primary.captured_queries)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE")) for q in replica.captured_queries)


def test_the_router_sends_only_reporting_reads_to_the_replica(settings):
    router = ReplicaRouter()
    settings.REPORTS_ON_REPLICA = True
    assert router.db_for_read(Report) is None
    with reporting() as alias:
        assert alias == REPLICA
        assert router.db_for_read(Report) == REPLICA
        assert router.db_for_write(Report) == DEFAULT_DB_ALIAS
    assert not router.allow_migrate(REPLICA, "cases")
    settings.REPORTS_ON_REPLICA = False
    assert reporting_alias() == DEFAULT_DB_ALIAS
