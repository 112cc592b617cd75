"""Evaluation extracts: consented young people only, pseudonymised, minimised (O6)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.models import YoungPerson
from outcomes import services as outcome_services
from outcomes.extracts import services
from outcomes.models import Extract
from tests.conftest import allocated_case, logged_session
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def data(cast):
    consented = allocated_case(
        cast.hackney,
        given="Consenting",
        family="Personname",
        received_on=timezone.localdate() - timedelta(days=30),
    )
    YoungPerson.objects.filter(pk=consented.young_person_id).update(research_consent=True)
    declined = allocated_case(cast.hackney, given="Declining", family="Othername")
    for episode in (consented, declined):
        logged_session(
            episode,
            days_ago=2,
            notes="Spoke about Personname's cousin",
            between_session_task="Secret task",
        )
    outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=consented,
        description="Private words of the goal",
        agreed_on=timezone.localdate(),
        first_score=3,
    )
    return consented, declined


def tables(extract) -> dict[str, list[dict[str, str]]]:
    out = {}
    for f in extract.files.all():
        with (Path(settings.MEDIA_ROOT) / f.file.name).open() as handle:
            out[f.table] = list(csv.DictReader(handle))
    return out


def test_only_consented_young_people_with_no_personal_data(cast, data):
    consented, declined = data
    extract = services.extract_generate(services.extract_request(actor=cast.evaluator).pk)
    result = tables(extract)
    assert set(result) == {
        "young_people",
        "episodes",
        "sessions",
        "goal_ratings",
        "measures",
        "data_dictionary",
    }
    assert len(result["young_people"]) == 1 and extract.young_people == 1
    assert len(result["sessions"]) == 1
    everything = "".join(Path(f.file.path).read_text() for f in extract.files.all())
    yp = consented.young_person
    for private in (
        "Consenting",
        "Personname",
        "Declining",
        yp.reference,
        "YC-E09",
        yp.date_of_birth.isoformat(),
        "Secret task",
        "Private words",
        "cousin",
        str(consented.referred_on),
    ):
        assert private not in everything
    assert result["young_people"][0]["pid"].startswith("P")
    assert result["episodes"][0]["referral_month"] == consented.referred_on.strftime("%Y-%m")


def test_pseudonyms_differ_between_extracts_and_are_stable_within_one(cast, data):
    first = tables(services.extract_generate(services.extract_request(actor=cast.evaluator).pk))
    second = tables(services.extract_generate(services.extract_request(actor=cast.evaluator).pk))
    assert first["young_people"][0]["pid"] != second["young_people"][0]["pid"]
    assert first["episodes"][0]["pid"] == first["young_people"][0]["pid"]
    assert first["sessions"][0]["eid"] == first["episodes"][0]["eid"]


def test_only_evaluators_ask_for_and_download_extracts_and_downloads_are_audited(
    cast, client_for, data
):
    client = client_for(cast.evaluator)
    assert client.post(reverse("outcomes:extracts")).status_code == 302
    extract = services.extract_generate(Extract.objects.get().pk)
    url = reverse("outcomes:extract-download", args=[extract.pk, "young_people"])
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="extract.download").count() == 1
    for other in (cast.programme_lead, cast.hackney.lead, cast.hackney.coach, cast.admin):
        assert client_for(other).get(url).status_code == 404
        assert client_for(other).post(reverse("outcomes:extracts")).status_code == 403


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation, ties given their average rank."""

    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def as_number(value: str) -> float | None:
    """An extract cell as a number: integers, and months (YYYY-MM) as months since year 0."""
    if len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit():
        return int(value[:4]) * 12 + int(value[5:])
    try:
        return float(value)
    except ValueError:
        return None


def test_extract_rows_and_columns_do_not_follow_references_or_internal_ids(cast, settings):
    """40 young people over two authorities, referred in reference order (ids and references
    rise together): no table's row order, and no number or month in it, follows either.

    The data are random (fixed seed), so any correlation is chance or a leak. Sorted by id a
    table's order correlates 1.0. The bounds, 0.5 over the 40 or more rows of a table and 0.7
    over one authority's 20 or more, are each about three standard deviations of chance; with
    this seed no correlation is above 0.4."""
    import random

    from django.db import connection

    from outcomes.models import Goal, GoalRating, MeasureResponse
    from outcomes.selectors import sdq_definition
    from sessions.models import SessionLog

    # Distinctive ids (seven digits, different for each table), so an id leaking into a cell
    # cannot hide among small numbers such as weeks or scores.
    with connection.cursor() as cursor:
        for offset, table in enumerate(
            [
                "cases_youngperson",
                "cases_episode",
                "coaching_sessionlog",
                "outcomes_goal",
                "outcomes_goalrating",
                "outcomes_measureresponse",
            ]
        ):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [table, 1_000_000 * (offset + 2) + 12_345],
            )
    rng = random.Random(1)
    today = timezone.localdate()
    definition = sdq_definition()
    episodes = []
    for n in range(40):
        place = cast.hackney if n % 2 == 0 else cast.southwark
        received = today - timedelta(days=rng.randint(40, 400))
        episode = allocated_case(place, age=rng.randint(11, 17), received_on=received)
        YoungPerson.objects.filter(pk=episode.young_person_id).update(research_consent=True)
        for _ in range(rng.randint(1, 4)):
            logged_session(
                episode,
                days_ago=rng.randint(1, 35),
                duration_minutes=rng.choice([30, 45, 60, 90]),
                place=rng.choice(["school", "home", "community"]),
                feeling_start=rng.randint(0, 10),
                feeling_end=rng.randint(0, 10),
            )
        for _ in range(rng.randint(1, 2)):
            goal = outcome_services.goal_set(
                actor=place.coach,
                episode=episode,
                description="Goal",
                agreed_on=today - timedelta(days=rng.randint(20, 30)),
                first_score=rng.randint(0, 10),
            )
            outcome_services.goal_rate(
                actor=place.coach,
                goal=goal,
                score=rng.randint(0, 10),
                rated_on=today - timedelta(days=rng.randint(0, 19)),
            )
        outcome_services.measure_record(
            actor=place.coach,
            episode=episode,
            definition=definition,
            occasion="baseline",
            completed_on=today - timedelta(days=rng.randint(0, 35)),
            scale_scores={
                s: rng.randint(0, 10)
                for s in ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
            },
        )
        episodes.append(episode)
    # A fixed salt with the test key: the same pseudonyms, so the same order, on every run.
    extract = Extract.objects.create(requested_by=cast.evaluator, salt="0f" * 16)
    result = tables(services.extract_generate(extract.pk))

    by_pid, by_eid = {}, {}
    for episode in episodes:
        yp = episode.young_person
        # Within an authority, references are numbered in the order of referral.
        reference_number = int(yp.reference.rsplit("-", 1)[1])
        person = (yp.authority_id, reference_number, yp.pk)
        by_pid[services.pseudonym("person", yp.pk, extract.salt)] = person
        by_eid[services.pseudonym("episode", episode.pk, extract.salt)] = (*person, episode.pk)
    assert len({p[1] for p in by_pid.values()}) > 10  # references really differ

    checked = 0
    for table in ("young_people", "episodes", "sessions", "goal_ratings", "measures"):
        rows = result[table]
        assert len(rows) >= 40, table
        key = "pid" if table == "young_people" else "eid"
        people = [(by_pid if key == "pid" else by_eid)[row[key]] for row in rows]
        internal_ids = [float(p[-1]) for p in people]  # young person's or episode's id
        columns: dict[str, list[float | None]] = {"(row position)": list(range(len(rows)))}
        for column in rows[0]:
            if column in ("pid", "eid"):
                continue
            numbers = [as_number(row[column]) for row in rows]
            if sum(v is not None for v in numbers) >= len(rows) // 2:
                columns[column] = numbers
        for column, numbers in columns.items():
            pairs = [(v, i) for v, i in zip(numbers, internal_ids, strict=True) if v is not None]
            if len({v for v, _ in pairs}) < 2:
                continue  # the same in every row: orders nothing
            rho = spearman([v for v, _ in pairs], [i for _, i in pairs])
            assert abs(rho) < 0.5, f"{table}.{column} follows internal ids: {rho:.2f}"
            for authority in (cast.hackney.authority.pk, cast.southwark.authority.pk):
                within = [
                    (v, p[1])
                    for v, p in zip(numbers, people, strict=True)
                    if v is not None and p[0] == authority
                ]
                rho = spearman([v for v, _ in within], [r for _, r in within])
                assert abs(rho) < 0.7, f"{table}.{column} follows references: {rho:.2f}"
            checked += 1
    assert checked >= 15

    # No internal id, and no reference, anywhere in the extract.
    ids = {str(e.pk) for e in episodes} | {str(e.young_person_id) for e in episodes}
    for model, field in (
        (SessionLog, "episode__in"),
        (Goal, "episode__in"),
        (GoalRating, "goal__episode__in"),
        (MeasureResponse, "episode__in"),
    ):
        found = model.objects.filter(**{field: episodes}).values_list("pk", flat=True)
        assert found
        ids |= {str(pk) for pk in found}
    references = {e.young_person.reference for e in episodes}
    cells = {cell for rows in result.values() for row in rows for cell in row.values()}
    assert not cells & ids
    assert not cells & references


def test_the_data_dictionary_says_how_rows_are_ordered(cast, data):
    extract = services.extract_generate(services.extract_request(actor=cast.evaluator).pk)
    dictionary = tables(extract)["data_dictionary"]
    order = {
        row["table"]: row["description"] for row in dictionary if row["column"] == "(row order)"
    }
    assert set(order) == set(services.TABLES)
    assert order["young_people"].startswith("Rows are sorted by pid")
    assert all(order[t].startswith("Rows are sorted by eid") for t in set(order) - {"young_people"})


def test_an_extract_that_fails_says_so_on_the_page_and_is_never_left_running(
    cast, client_for, data, monkeypatch
):
    """A job that fails for good marks the extract failed, with its reason shown; before, an
    extract whose job raised stayed "Running" for ever."""
    from outcomes.tasks import generate_extract

    extract = services.extract_request(actor=cast.evaluator)

    def broken(*args, **kwargs):
        raise ValueError("a broken query")

    monkeypatch.setattr(services, "_table_csv", broken)
    assert generate_extract.apply(args=[extract.pk]).failed()
    extract.refresh_from_db()
    assert extract.status == "failed" and extract.attempts == 1 and not extract.files.exists()
    page = client_for(cast.evaluator).get(reverse("outcomes:extracts")).content.decode()
    assert "Something went wrong making the extract. Ask for it again." in page
    assert "Not ready yet" not in page and ">None</td>" in page  # failed: no files will come


def test_an_extract_whose_worker_died_each_time_is_given_up_and_one_lost_is_swept(
    cast, data, settings
):
    from outcomes.reports import services as report_services

    given_up = services.extract_request(actor=cast.evaluator)
    Extract.objects.filter(pk=given_up.pk).update(status="running", attempts=settings.JOB_STARTS)
    made = services.extract_generate(given_up.pk)
    assert made.status == "failed" and not made.files.exists()
    assert made.failure_reason.startswith(f"Making it stopped part way {settings.JOB_STARTS} times")

    lost = services.extract_request(actor=cast.evaluator)
    running = services.extract_request(actor=cast.evaluator)
    long_ago = timezone.now() - timedelta(minutes=settings.REPORT_STUCK_MINUTES + 1)
    Extract.objects.filter(pk=lost.pk).update(status="running", started_at=long_ago)
    Extract.objects.filter(pk=running.pk).update(status="running", started_at=timezone.now())
    assert report_services.reports_sweep() == 1
    assert Extract.objects.get(pk=lost.pk).status == "failed"
    assert Extract.objects.get(pk=running.pk).status == "running"
    assert services.extract_generate(running.pk).status == "ready"
