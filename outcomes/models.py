"""Goals, standardised measures and reports (docs/programme.md O1–O5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from outcomes.reports.periods import Period
from yourchoice.scoping import CaseQuerySet, case_manager

#: A goal rating runs from 0 (not met at all) to 10 (fully met): the rating constraint, the goal
#: and session forms, their API serializers and services all read these.
MIN_RATING = 0
MAX_RATING = 10
#: Live goals an episode may hold at once (O1). The database enforces it with goal slots.
MAX_LIVE_GOALS = 3
#: A rise of this many points from the first rating is "meaningful improvement" (docs/measures.md).
#: The programme should confirm the threshold; it is one constant so that is one change.
MEANINGFUL_GOAL_CHANGE = 3
#: A goal whose latest rating is this or more is met, or nearly (the top fifth of the scale: no
#: further rise could be a meaningful one). Held there it is not "stuck" (V1): goals rated 9 or
#: 10 at every session filled the supervisor's list. It still counts as "falling" if its last
#: three ratings fell by MEANINGFUL_GOAL_CHANGE or more (10, 9, 7).
GOAL_NEAR_TOP = 8


class GoalStatus(models.TextChoices):
    LIVE = "live", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    REPLACED = "replaced", "Replaced"
    DROPPED = "dropped", "Dropped"


class Goal(models.Model):
    """A goal in the young person's own words. At most three are live at once, one per slot."""

    episode = models.ForeignKey("cases.Episode", on_delete=models.PROTECT, related_name="goals")
    slot = models.PositiveSmallIntegerField(
        help_text="Which of the three goal places this goal holds while it is live."
    )
    description = models.TextField("the goal, in the young person's words")
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.LIVE)
    agreed_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["slot", "agreed_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="goal_slot_1_to_3", condition=Q(slot__gte=1, slot__lte=MAX_LIVE_GOALS)
            ),
            models.UniqueConstraint(
                fields=["episode", "slot"],
                condition=Q(status=GoalStatus.LIVE),
                name="goal_at_most_three_live",
            ),
            models.CheckConstraint(
                name="goal_ended_has_date",
                condition=Q(status=GoalStatus.LIVE, ended_on__isnull=True)
                | (~Q(status=GoalStatus.LIVE) & Q(ended_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="goal_replaced_names_successor",
                condition=~Q(status=GoalStatus.REPLACED) | Q(replaced_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Goal {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status == GoalStatus.LIVE


class Rater(models.TextChoices):
    """Who gave a goal rating: the coach (in a session or on the goal), or the young person
    themselves on the coach's phone (S7). Figures count the coach's ratings (docs/measures.md)."""

    COACH = "coach", "The coach"
    YOUNG_PERSON = "young_person", "The young person"


class YoungPersonCheckIn(models.Model):
    """The young person's own answers, given on the coach's phone (S7): how they feel right
    now, 0 to 10, and their goal ratings (GoalRating rows with rater=young person). Recorded
    by the coach who handed the phone over; the answers are the young person's."""

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="young_person_check_ins"
    )
    feeling = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How the young person feels right now, 0 to 10."
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # One form, one check-in: a double tap or a re-sent form saves once.
    idempotency_key = models.UUIDField(unique=True)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="check_in_feeling_0_to_10", condition=Q(feeling__lte=MAX_RATING)
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk}"


class GoalRating(models.Model):
    """How far a goal has been met, 0 (not at all) to 10 (fully), on a given day. `rater` says
    whether the coach or the young person gave it; `rated_by` is who was signed in."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField()
    rated_on = models.DateField()
    session_log = models.ForeignKey(
        "coaching.SessionLog",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goal_ratings",
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Also the database's default, so rows written without it (bulk loads of older data, the
    # scale demo's COPY) are a coach's ratings, as every rating was before.
    rater = models.CharField(
        max_length=20, choices=Rater.choices, default=Rater.COACH, db_default=Rater.COACH
    )
    check_in = models.ForeignKey(
        YoungPersonCheckIn,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "goal__episode")

    class Meta:
        ordering = ["rated_on", "pk"]
        constraints = [
            models.CheckConstraint(name="goal_rating_0_to_10", condition=Q(score__lte=MAX_RATING)),
            models.UniqueConstraint(
                fields=["goal", "session_log"],
                condition=Q(session_log__isnull=False),
                name="goal_rating_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["goal", "check_in"],
                condition=Q(check_in__isnull=False),
                name="goal_rating_once_per_check_in",
            ),
            # The young person's own ratings come with their check-in, never in a session log;
            # the coach's never with a check-in.
            models.CheckConstraint(
                name="goal_rating_rater_matches_check_in",
                condition=Q(rater="coach", check_in__isnull=True)
                | Q(rater="young_person", check_in__isnull=False, session_log__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["goal", "rated_on"])]


#: The SDQ self-report's code, as its data migration stores it (0002_sdq_definition).
SDQ_CODE = "sdq-self-report"


# --- Figures kept ahead of time (outcomes/summary.py, docs/measures.md "Summary") -------------
# What the reports read instead of every session and rating. Rows are written only by
# outcomes.summary, from the raw rows, in the same transaction as the change they follow.


class EpisodeSessions(models.Model):
    """An episode's attended sessions over its whole work: how many, the first and the last."""

    episode = models.OneToOneField(
        "cases.Episode", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    attended = models.PositiveIntegerField()
    first_attended_on = models.DateField(null=True)
    last_attended_on = models.DateField(null=True)

    objects = case_manager(CaseQuerySet, "episode")

    def __str__(self) -> str:
        return f"Sessions of episode {self.episode_id}"


class EpisodeSessionMonth(models.Model):
    """An episode's sessions in one calendar month (Europe/London), by attendance."""

    episode = models.ForeignKey("cases.Episode", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    sessions = models.PositiveIntegerField()
    attended = models.PositiveIntegerField()
    did_not_attend = models.PositiveIntegerField()
    cancelled_young_person = models.PositiveIntegerField()
    cancelled_coach = models.PositiveIntegerField()
    logged_on_time = models.PositiveIntegerField(help_text="Recorded within 7 days.")

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "month"], name="session_month_once"),
        ]
        indexes = [models.Index(fields=["month"], name="session_month_by_month")]

    def __str__(self) -> str:
        return f"Sessions of episode {self.episode_id} in {self.month:%B %Y}"


class GoalRatings(models.Model):
    """A goal's ratings by the coach: how many, the first and the latest (by day, then entry)."""

    goal = models.OneToOneField(Goal, on_delete=models.CASCADE, primary_key=True, related_name="+")
    episode = models.ForeignKey("cases.Episode", on_delete=models.CASCADE, related_name="+")
    ratings = models.PositiveIntegerField()
    first_score = models.PositiveSmallIntegerField()
    first_rated_on = models.DateField()
    latest_score = models.PositiveSmallIntegerField()
    latest_rated_on = models.DateField()

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        verbose_name_plural = "goal ratings summaries"
        indexes = [models.Index(fields=["episode"], name="goal_ratings_by_episode")]

    def __str__(self) -> str:
        return f"Ratings of goal {self.goal_id}"


class MeasureDefinition(models.Model):
    """A standardised measure, described as data so that more can be added (O2).

    `scoring` names the scorer in outcomes/scoring, which holds the measure's bands; `items`
    lists item numbers and the answer labels only (never the wording of a licensed
    questionnaire); `windows` gives the collection occasions in days from the episode's start.
    """

    code = models.SlugField(max_length=50)
    version = models.CharField(max_length=20)
    name = models.CharField(max_length=150)
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    scoring = models.CharField(max_length=50)
    items = models.JSONField(default=dict)
    windows = models.JSONField(default=dict)
    licence_note = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="measure_code_version_unique"),
            models.CheckConstraint(
                name="measure_age_range", condition=Q(min_age__lte=models.F("max_age"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class Occasion(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    REVIEW = "review", "Review"
    END = "end", "End"


class EntryMode(models.TextChoices):
    ITEMS = "items", "Answers to each item"
    SCALES = "scales", "Scale scores"


class MeasureResponse(models.Model):
    """One completed measure. Scores are computed by the scorer when it is recorded."""

    episode = models.ForeignKey(
        "cases.Episode", on_delete=models.PROTECT, related_name="measure_responses"
    )
    definition = models.ForeignKey(
        MeasureDefinition, on_delete=models.PROTECT, related_name="responses"
    )
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    completed_on = models.DateField()
    entry_mode = models.CharField(max_length=10, choices=EntryMode.choices)
    # Item number -> the answer ticked (before any reverse scoring); empty for scale entry.
    item_answers = models.JSONField(default=dict, blank=True)
    # Scale code -> score, as computed by the scorer (or keyed in for scale entry).
    scores = models.JSONField(default=dict)
    total_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The measure's headline total (SDQ total difficulties)."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["completed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "definition", "occasion"],
                condition=Q(occasion__in=["baseline", "end"]),
                name="measure_one_baseline_and_end",
            ),
            models.CheckConstraint(
                name="measure_items_only_for_item_entry",
                condition=Q(entry_mode=EntryMode.ITEMS) | Q(item_answers={}),
            ),
        ]
        indexes = [models.Index(fields=["episode", "definition", "occasion"])]


class ReportScope(models.TextChoices):
    AUTHORITY = "authority", "One authority"
    LONDON = "london", "All of London"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class MadeByAJob:
    """A report's or an extract's record, which a job makes (outcomes/jobs.py): what its
    status says, for pages to ask rather than compare."""

    status: str

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY

    @property
    def is_failed(self) -> bool:
        return self.status == ReportStatus.FAILED


class Report(MadeByAJob, models.Model):
    """An outcome report: what was asked, how it was made, and where its files are (O4).

    Reports hold aggregates only, under disclosure control; no named young person.
    """

    scope = models.CharField(max_length=20, choices=ReportScope.choices)
    authority = models.ForeignKey(
        "accounts.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    period_start = models.DateField()
    period_end = models.DateField()
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    failure_reason = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for reports made on the monthly schedule.",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    data_cutoff = models.DateTimeField(null=True, blank=True)
    software_version = models.CharField(max_length=40, blank=True)
    suppression_threshold = models.PositiveSmallIntegerField(null=True, blank=True)
    cells_suppressed = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The published (already suppressed) figures, for the pan-London page: never raw counts.
    results = models.JSONField(default=list, blank=True)
    # The disclosure check made before it was published (outcomes/reports/linked.py): cells it
    # hid, counts checked, time taken, and the counts this report implies that later reports
    # for the period must keep unknown. Not published, not in the API.
    disclosure_check = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                name="report_scope_matches_authority",
                condition=Q(scope="authority", authority__isnull=False)
                | Q(scope="london", authority__isnull=True),
            ),
            models.CheckConstraint(
                name="report_period_in_order", condition=Q(period_end__gte=models.F("period_start"))
            ),
            models.CheckConstraint(
                name="report_failed_has_reason",
                condition=~Q(status=ReportStatus.FAILED) | ~Q(failure_reason=""),
            ),
            models.UniqueConstraint(
                fields=["scope", "authority", "period_start", "period_end"],
                condition=Q(status__in=["queued", "running"]),
                nulls_distinct=False,
                name="report_one_in_progress_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk}"

    @property
    def downloads(self) -> list[tuple[str, str]]:
        """(format, label) of every file a ready report offers. The PDF is made from the
        printable page when it is first downloaded (it costs more than the rest together), so
        a report with that page offers the PDF before it exists. Reads the files prefetched."""
        stored = [f.format for f in self.files.all()]
        if ReportFormat.HTML in stored and ReportFormat.PDF not in stored:
            stored.append(ReportFormat.PDF)
        return [(fmt, ReportFormat(fmt).label) for fmt in stored]

    @property
    def period(self) -> Period:
        """The period the report covers; `report.period.label` is its name (O7)."""
        return Period(self.period_start, self.period_end)


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel"
    HTML = "html", "Printable web page"
    PDF = "pdf", "PDF"


class ReportFile(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=10, choices=ReportFormat.choices)
    file = models.FileField(upload_to="reports/%Y/%m/")
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "format"], name="report_file_one_per_format")
        ]


class Extract(MadeByAJob, models.Model):
    """A pseudonymised, minimised record-level extract for evaluators (O6).

    Young people appear under an id made with the service's extract key and this extract's salt:
    it cannot be mapped back to a young person without both, and both stay in the service.
    """

    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    failure_reason = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    #: When a worker last began making it, and how many times one has (as for a report).
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    salt = models.CharField(max_length=32, editable=False)
    young_people = models.PositiveIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                name="extract_failed_has_reason",
                condition=~Q(status=ReportStatus.FAILED) | ~Q(failure_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Extract {self.pk}"


class ExtractFile(models.Model):
    extract = models.ForeignKey(Extract, on_delete=models.CASCADE, related_name="files")
    table = models.SlugField(max_length=40)
    file = models.FileField(upload_to="extracts/%Y/%m/")
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["table"]
        constraints = [
            models.UniqueConstraint(fields=["extract", "table"], name="extract_file_one_per_table")
        ]
