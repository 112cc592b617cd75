"""Making an evaluation extract (O6): record level, pseudonymised, minimised.

- Only young people who agreed to research use (`research_consent`).
- Ids are HMAC-SHA256(EXTRACT_KEY, salt:id): stable within one extract, different between
  extracts, and impossible to map back without the service's key and the extract's salt.
- Dates become months, or weeks since the start of the work; date of birth becomes age at
  referral. No names, references, contacts or free text (notes, tasks, goals' words).
- Rows are sorted by their pseudonym (ROW_ORDER). Taken in the service's id order, rows would
  follow the order of referral, and so of references within an authority: anyone holding a list
  of references could pair them off with the rows. A keyed pseudonym sorts in an order nobody
  can predict without the key, yet the same data and salt always give the same file.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from outcomes import jobs
from outcomes.models import Extract, ExtractFile, ReportStatus
from outcomes.reports.disclosure import safe_cell
from outcomes.reports.files import staged_folder
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import db
from yourchoice.jobs import queue

if TYPE_CHECKING:
    from accounts.models import User

CONSENTED = """
    WITH yp AS (SELECT * FROM cases_youngperson WHERE research_consent),
    ep AS (SELECT e.* FROM cases_episode e JOIN yp ON yp.id = e.young_person_id
           WHERE e.status <> 'not_taken_on')
"""

#: table -> (SQL, [(column, description)]). "pid"/"eid" columns are pseudonymised after the query.
#: Each SQL's ORDER BY only keeps an episode's rows in time order: the rows are then sorted by
#: the table's pseudonym (ROW_ORDER), so no table follows the service's ids.
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "young_people": (
        CONSENTED
        + """
        SELECT yp.id AS pid, a.gss_code AS authority,
               date_part('year', age(first.referred_on, yp.date_of_birth))::int AS age_at_referral,
               yp.gender, split_part(yp.ethnicity, '_', 1) AS ethnicity_group, yp.special_needs,
               yp.looked_after, yp.education_status, yp.youth_justice
        FROM yp JOIN accounts_authority a ON a.id = yp.authority_id
        JOIN (SELECT young_person_id, min(referred_on) AS referred_on FROM ep
              GROUP BY young_person_id) first ON first.young_person_id = yp.id""",
        [
            ("pid", "Pseudonymous id of the young person (this extract only)"),
            ("authority", "ONS code of the authority"),
            ("age_at_referral", "Age in whole years at the first referral"),
            ("gender", "Gender"),
            ("ethnicity_group", "ONS 2021 high-level ethnic group"),
            ("special_needs", "Special educational needs"),
            ("looked_after", "Looked-after status"),
            ("education_status", "Education"),
            ("youth_justice", "Youth justice involvement"),
        ],
    ),
    "episodes": (
        CONSENTED
        + """
        SELECT ep.id AS eid, ep.young_person_id AS pid, t.trial_arm,
               to_char(ep.referred_on, 'YYYY-MM') AS referral_month,
               to_char(ep.started_on, 'YYYY-MM') AS start_month,
               to_char(ep.closed_on, 'YYYY-MM') AS close_month,
               ep.closed_on - ep.started_on AS days_active,
               ep.status, ep.ending_reason, r.risk_level
        FROM ep LEFT JOIN accounts_team t ON t.id = ep.team_id
        LEFT JOIN cases_referral r ON r.episode_id = ep.id""",
        [
            ("eid", "Pseudonymous id of the episode"),
            ("pid", "Young person (see young_people)"),
            ("trial_arm", "Trial arm of the team, if it took part"),
            ("referral_month", "Month of referral"),
            ("start_month", "Month of first attended session"),
            ("close_month", "Month of closure"),
            ("days_active", "Days from first session to closure"),
            ("status", "Episode status"),
            ("ending_reason", "Why it ended"),
            ("risk_level", "Risk level from the panel"),
        ],
    ),
    "sessions": (
        CONSENTED
        + """
        SELECT s.episode_id AS eid,
               ((s.occurred_at AT TIME ZONE 'Europe/London')::date - ep.started_on) / 7 AS week,
               s.attendance, s.duration_minutes, s.place, s.feeling_start, s.feeling_end,
               s.safeguarding_concern
        FROM coaching_sessionlog s JOIN ep ON ep.id = s.episode_id ORDER BY s.episode_id, s.occurred_at""",
        [
            ("eid", "Episode"),
            ("week", "Weeks since the first attended session (negative: before)"),
            ("attendance", "Attended, did not attend, or cancelled (by whom)"),
            ("duration_minutes", "Length"),
            ("place", "Where"),
            ("feeling_start", "Feeling at the start, 0 to 10"),
            ("feeling_end", "Feeling at the end, 0 to 10"),
            ("safeguarding_concern", "Whether a safeguarding concern was raised"),
        ],
    ),
    "goal_ratings": (
        CONSENTED
        + """
        SELECT g.episode_id AS eid, dense_rank() OVER (PARTITION BY g.episode_id ORDER BY g.id) AS goal,
               g.status, (r.rated_on - ep.started_on) / 7 AS week, r.score, r.rater AS rated_by
        FROM outcomes_goal g JOIN ep ON ep.id = g.episode_id
        JOIN outcomes_goalrating r ON r.goal_id = g.id ORDER BY g.episode_id, g.id, r.rated_on""",
        [
            ("eid", "Episode"),
            ("goal", "Goal number within the episode"),
            ("status", "Goal status now"),
            ("week", "Weeks since the first attended session"),
            ("score", "Rating, 0 (not met) to 10 (fully met)"),
            (
                "rated_by",
                "Who gave the rating: coach, or young_person (their own, on the coach's phone)",
            ),
        ],
    ),
    "measures": (
        CONSENTED
        + """
        SELECT m.episode_id AS eid, d.code AS measure, m.occasion,
               to_char(m.completed_on, 'YYYY-MM') AS month, m.entry_mode,
               m.scores->>'emotional' AS emotional, m.scores->>'conduct' AS conduct,
               m.scores->>'hyperactivity' AS hyperactivity, m.scores->>'peer' AS peer,
               m.scores->>'prosocial' AS prosocial, m.total_score AS total_difficulties
        FROM outcomes_measureresponse m JOIN ep ON ep.id = m.episode_id
        JOIN outcomes_measuredefinition d ON d.id = m.definition_id ORDER BY m.episode_id, m.completed_on""",
        [
            ("eid", "Episode"),
            ("measure", "Measure code"),
            ("occasion", "Baseline, review or end"),
            ("month", "Month completed"),
            ("entry_mode", "From item answers or scale scores"),
            ("emotional", "SDQ emotional problems, 0 to 10"),
            ("conduct", "SDQ conduct problems"),
            ("hyperactivity", "SDQ hyperactivity"),
            ("peer", "SDQ peer problems"),
            ("prosocial", "SDQ prosocial"),
            ("total_difficulties", "SDQ total difficulties, 0 to 40"),
        ],
    ),
}


#: The pseudonym each table's rows are sorted by (a stable sort: an episode's sessions, ratings
#: and measures stay in time order, which their week or month columns say anyway).
ROW_ORDER = {
    "young_people": "pid",
    "episodes": "eid",
    "sessions": "eid",
    "goal_ratings": "eid",
    "measures": "eid",
}

ROW_ORDER_NOTE = {
    "pid": "Rows are sorted by pid. Pseudonyms sort in no order linked to referral, "
    "authority or reference.",
    "eid": "Rows are sorted by eid, then by time within an episode. Pseudonyms sort in no "
    "order linked to referral, authority or reference.",
}


def pseudonym(kind: str, record_id: int, salt: str) -> str:
    digest = hmac.new(
        settings.EXTRACT_KEY.encode(), f"{salt}:{kind}:{record_id}".encode(), hashlib.sha256
    )
    return f"{kind[0].upper()}{digest.hexdigest()[:16]}"


def extract_request(*, actor: User) -> Extract:
    access.require(actor, Perm.EXTRACT_DOWNLOAD)
    with transaction.atomic():
        extract = Extract.objects.create(requested_by=actor, salt=secrets.token_hex(16))
        audit.record(actor=actor, action=AuditAction.EXTRACT_REQUEST, obj=extract)
        # The task calls these services: imported on use, so neither module needs the other
        # to finish loading first.
        from outcomes.tasks import generate_extract

        queue.send_after_commit(
            generate_extract,
            extract.pk,
            delayed="The extract is saved in the list, but it will not start until the service "
            "catches up. You do not need to ask for it again.",
        )
    return extract


def _table_csv(sql: str, salt: str, order_by: str) -> tuple[bytes, int]:
    with db.reporting() as alias, connections[alias].cursor() as cursor:
        cursor.execute(sql)
        names = [c.name for c in cursor.description]
        found = cursor.fetchall()
    rows: list[list[Any]] = []
    for row in found:
        values: list[Any] = []
        for name, value in zip(names, row, strict=True):
            if name == "pid":
                value = pseudonym("person", value, salt)
            elif name == "eid":
                value = pseudonym("episode", value, salt)
            values.append(safe_cell("" if value is None else value))
        rows.append(values)
    column = names.index(order_by)
    rows.sort(key=lambda values: values[column])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(names)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8"), len(rows)


def extract_generate(extract_id: int) -> Extract:
    """The job: write every table and the data dictionary, then attach them all at once. A
    redelivered job after success does nothing; one whose worker died each time it ran
    (settings.JOB_STARTS) is given up with its reason."""
    with transaction.atomic():
        extract = Extract.objects.select_for_update().get(pk=extract_id)
        if extract.status == ReportStatus.READY:
            return extract
        if not jobs.started(extract, again="Ask for it again."):
            return extract
    directory = Path(settings.MEDIA_ROOT) / "extracts" / str(extract.pk)
    written = []
    counts = {}
    # Every file appears at once, or none: a worker killed half way leaves no partial extract.
    with staged_folder(directory) as folder:
        for table, (sql, _columns) in TABLES.items():
            data, counts[table] = _table_csv(sql, extract.salt, ROW_ORDER[table])
            written.append((table, folder.write(f"{table}.csv", data)))
        dictionary = io.StringIO()
        writer = csv.writer(dictionary)
        writer.writerow(["table", "column", "description"])
        for table, (_sql, columns) in TABLES.items():
            writer.writerow([table, "(row order)", ROW_ORDER_NOTE[ROW_ORDER[table]]])
            for column, description in columns:
                writer.writerow([table, column, description])
        written.append(
            (
                "data_dictionary",
                folder.write("data_dictionary.csv", dictionary.getvalue().encode("utf-8")),
            )
        )
    with transaction.atomic():
        for table, w in written:
            ExtractFile.objects.update_or_create(
                extract=extract,
                table=table,
                defaults={
                    "file": str(w.path.relative_to(settings.MEDIA_ROOT)),
                    "size_bytes": w.size_bytes,
                    "sha256": w.sha256,
                },
            )
        Extract.objects.filter(pk=extract_id).update(
            status=ReportStatus.READY,
            finished_at=timezone.now(),
            young_people=counts["young_people"],
            expires_at=timezone.now() + timedelta(days=settings.REPORT_FILE_DAYS),
        )
    extract.refresh_from_db()
    return extract


def extract_fail(extract_id: int, reason: str) -> None:
    Extract.objects.filter(pk=extract_id).exclude(status=ReportStatus.READY).update(
        status=ReportStatus.FAILED, failure_reason=reason[:300], finished_at=timezone.now()
    )


def get_extract_file_for_user(user: User, pk: int, table: str) -> ExtractFile:
    """Evaluators only; anyone else, or an expired file, gets 404."""

    if not access.has_perm(user, Perm.EXTRACT_DOWNLOAD):
        raise Http404
    found = (
        ExtractFile.objects.select_related("extract")
        .filter(extract_id=pk, table=table, extract__status=ReportStatus.READY)
        .first()
    )
    if found is None or (found.extract.expires_at and found.extract.expires_at < timezone.now()):
        raise Http404
    return found
