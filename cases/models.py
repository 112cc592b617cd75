"""Young people and their episodes of work (docs/programme.md C1–C8).

An *episode* is one period of work with one young person, from referral to closure; a
re-referral is a new episode for the same young person. "Case" in the product means an episode.
The visibility rule for all case data lives on `EpisodeQuerySet.visible_to`: a person reaches
a young person, and every episode of their record, while they hold the young person's *current*
episode (docs/access.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts import access
from cases.break_glass.models import BreakGlassGrant

# Registered with the cases app here; their own modules say what they are.
from cases.notifications.models import Notification, NotificationEmail  # noqa: F401
from cases.search.sql import name_codes, search_text, whole_name
from yourchoice.scoping import CaseManager, CaseQuerySet, Compiled, case_manager

if TYPE_CHECKING:
    from accounts.models import User


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Describes themselves another way"
    NOT_KNOWN = "not_known", "Not known"


class Ethnicity(models.TextChoices):
    """ONS 2021 census categories for England. The part before "_" is the reporting group."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_OTHER = (
        "black_other",
        "Black, Black British, Caribbean or African: any other Black background",
    )
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = (
        "mixed_white_black_african",
        "Mixed or multiple: White and Black African",
    )
    MIXED_WHITE_BLACK_CARIBBEAN = (
        "mixed_white_black_caribbean",
        "Mixed or multiple: White and Black Caribbean",
    )
    MIXED_OTHER = "mixed_other", "Mixed or multiple: any other mixed background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_TRAVELLER = "white_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
    NOT_KNOWN = "notknown_notknown", "Not known or prefers not to say"


class SpecialNeeds(models.TextChoices):
    NONE = "none", "No special educational needs"
    SEN_SUPPORT = "sen_support", "SEN support"
    EHCP = "ehcp", "Education, health and care plan"
    NOT_KNOWN = "not_known", "Not known"


class LookedAfter(models.TextChoices):
    NO = "no", "Not looked after"
    YES = "yes", "Looked after"
    PREVIOUSLY = "previously", "Previously looked after"
    NOT_KNOWN = "not_known", "Not known"


class EducationStatus(models.TextChoices):
    MAINSTREAM = "mainstream", "Mainstream school"
    ALTERNATIVE = "alternative", "Alternative provision or pupil referral unit"
    SPECIAL = "special", "Special school"
    COLLEGE = "college", "College or training"
    HOME = "home", "Educated at home"
    NONE = "none", "Not in education, employment or training"
    NOT_KNOWN = "not_known", "Not known"


class YouthJustice(models.TextChoices):
    NONE = "none", "No involvement"
    OUT_OF_COURT = "out_of_court", "Out-of-court disposal"
    COURT_ORDER = "court_order", "Court order"
    PREVIOUS = "previous", "Previous involvement"
    NOT_KNOWN = "not_known", "Not known"


def held_young_people(user: User) -> Compiled | None:
    """The young people whose current episode the user's scope covers, and those of their
    live break-glass grants; None for nobody.

    THE visibility rule (docs/access.md): a young person's record, all of it (profile, key
    contacts, every episode and what hangs off them), is seen by whoever holds their current
    episode, and by nobody else. Someone whose only link is an earlier case, or a case that was
    transferred away, sees nothing, so what the new holder records never reaches them. A
    supervisor or borough lead with a live break-glass grant (cases/break_glass/) also sees
    that one young person's record until the grant ends; it lets them change nothing.
    """
    return _rule_for(user)[0]


def _rule_for(user: User) -> tuple[Compiled | None, Compiled]:
    """The rule as compiled subqueries, (held young people, their episodes), built once per
    user object and their grants (so once per request): every case query in a request carries
    one of them, and building them each time cost more than running them. They are SQL, run
    afresh by each query, so what they find is never stale."""
    grants = access.grants(user)
    cached = getattr(user, "_yc_held", None)
    if cached is not None and cached[0] is grants:
        return cached[1]
    scope = access.case_scope(user)
    # Nobody's episodes: a subquery that finds none, so the case data hanging off them is empty.
    rule: tuple[Compiled | None, Compiled] = (
        None,
        Compiled(EpisodeQuerySet(model=Episode).filter(pk__in=[]).values("pk")),
    )
    if scope is not None:
        # Built on the queryset classes, not the managers: this is the rule itself, not a
        # caller of it.
        current = EpisodeQuerySet(model=Episode).filter(scope, is_current=True)
        holds = current.values("young_person_id")
        if access.may_break_glass(user):
            # Grants not yet ended when the rule is built (once per request), read afresh by
            # each query, so one made later in the request counts too; an index on
            # (user, ends_at) finds them.
            grants_live = BreakGlassGrant.objects.filter(user=user, ends_at__gt=timezone.now())
            holds = holds.order_by().union(
                grants_live.order_by().values("young_person_id"), all=True
            )
        held = Compiled(holds)
        episodes = EpisodeQuerySet(model=Episode).filter(
            access.EqualsAny(F("young_person_id"), held)
        )
        rule = (held, Compiled(episodes.values("pk")))
    user._yc_held = (grants, rule)  # type: ignore[attr-defined]  # a cache kept on the user object
    return rule


class YoungPersonRecordQuerySet(CaseQuerySet):
    """Case data that hangs off the young person rather than one of their episodes."""

    def visible_to(self, user: User) -> Self:
        held = held_young_people(user)
        return (
            self.none()
            if held is None
            else self.filter(access.EqualsAny(F("young_person_id"), held))
        )


class YoungPersonQuerySet(CaseQuerySet):
    def visible_to(self, user: User) -> Self:
        held = held_young_people(user)
        return self.none() if held is None else self.filter(access.EqualsAny(F("pk"), held))


class YoungPerson(models.Model):
    """A young person referred to the programme. Their reference stays the same for life."""

    reference = models.CharField(
        max_length=24,
        unique=True,
        editable=False,
        help_text="Pseudonymous reference, shown wherever a name is not needed.",
    )
    authority = models.ForeignKey(
        "accounts.Authority", on_delete=models.PROTECT, related_name="young_people"
    )
    given_name = models.CharField("first name", max_length=100)
    family_name = models.CharField("last name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    ethnicity = models.CharField(
        max_length=40, choices=Ethnicity.choices, default=Ethnicity.NOT_KNOWN
    )
    special_needs = models.CharField(
        "special educational needs",
        max_length=20,
        choices=SpecialNeeds.choices,
        default=SpecialNeeds.NOT_KNOWN,
    )
    looked_after = models.CharField(
        "looked-after status",
        max_length=20,
        choices=LookedAfter.choices,
        default=LookedAfter.NOT_KNOWN,
    )
    education_status = models.CharField(
        max_length=20, choices=EducationStatus.choices, default=EducationStatus.NOT_KNOWN
    )
    youth_justice = models.CharField(
        "youth justice involvement",
        max_length=20,
        choices=YouthJustice.choices,
        default=YouthJustice.NOT_KNOWN,
    )
    research_consent = models.BooleanField(
        default=False, help_text="Agreed that pseudonymised data may be used for evaluation."
    )
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When identifying details were removed at the end of retention (X6).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CaseManager.from_queryset(YoungPersonQuerySet)()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "young people"
        constraints = [
            models.CheckConstraint(
                condition=Q(reference__regex=r"^YC-E09[0-9]{6}-[0-9]{6}$"),
                name="young_person_reference_format",
            ),
        ]
        indexes = [
            models.Index(fields=["authority", "date_of_birth"]),
            # Finding a young person (cases/search/): trigram indexes for names with typos and
            # for any part of a reference, and one of how the names sound.
            GinIndex(
                OpClass(search_text("given_name"), name="gin_trgm_ops"),
                name="young_person_given_trgm",
            ),
            GinIndex(
                OpClass(search_text("family_name"), name="gin_trgm_ops"),
                name="young_person_family_trgm",
            ),
            GinIndex(
                OpClass(search_text("preferred_name"), name="gin_trgm_ops"),
                name="young_person_preferred_trgm",
            ),
            GinIndex(name_codes(whole_name()), name="young_person_name_sounds"),
            GinIndex(OpClass("reference", name="gin_trgm_ops"), name="young_person_reference_trgm"),
        ]

    def __str__(self) -> str:
        # Pseudonymous on purpose: __str__ ends up in admin, logs and error pages.
        return self.reference

    @property
    def display_name(self) -> str:
        if self.anonymised_at is not None:
            return "Anonymised young person"
        return f"{self.called} {self.family_name}"

    @property
    def called(self) -> str:
        """What the young person is called: their preferred name, or else their first name."""
        return self.preferred_name or self.given_name


class RetentionExtensionQuerySet(YoungPersonRecordQuerySet):
    pass


class RetentionExtension(models.Model):
    """A borough lead's decision to keep a record past its retention date, and why (X6)."""

    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.CASCADE, related_name="retention_extensions"
    )
    keep_until = models.DateField()
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    objects = CaseManager.from_queryset(RetentionExtensionQuerySet)()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="retention_extension_has_reason"),
        ]


class KeyContactQuerySet(YoungPersonRecordQuerySet):
    pass


class KeyContact(models.Model):
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.CASCADE, related_name="key_contacts"
    )
    name = models.CharField(max_length=150)
    relationship = models.CharField(max_length=100, help_text="For example: mother, social worker")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CaseManager.from_queryset(KeyContactQuerySet)()

    class Meta:
        ordering = ["name"]


class EpisodeStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    ALLOCATED = "allocated", "Allocated"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    NOT_TAKEN_ON = "not_taken_on", "Not taken on"


OPEN_STATUSES = (EpisodeStatus.REFERRED, EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE)
#: A session can be logged only once the case has a coach, and until it closes.
SESSION_STATUSES = (EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE)


class EndingReason(models.TextChoices):
    PLANNED = "planned", "Planned ending"
    DISENGAGED = "disengaged", "Disengaged"
    MOVED_AWAY = "moved_away", "Moved away"
    STEPPED_UP = "stepped_up", "Stepped up to statutory services"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    OTHER = "other", "Other"


class EpisodeQuerySet(CaseQuerySet):
    case_path = ""

    def visible_to(self, user: User) -> Self:
        """THE visibility rule: which cases a person may reach. Everything else derives from it.

        Every episode of each young person whose current episode is in the user's scope."""
        held = held_young_people(user)
        if held is None:
            return self.none()
        return self.filter(access.EqualsAny(F("young_person_id"), held))

    def ids_visible_to(self, user: User) -> Compiled:
        """The rule as one compiled subquery of episode ids, for the case data hanging off
        episodes (CaseQuerySet.visible_to). Nobody's rule is an empty list."""
        return _rule_for(user)[1]

    def open(self) -> Self:
        return self.filter(status__in=OPEN_STATUSES)


class Episode(models.Model):
    """One period of work with a young person, from referral to closure (a "case")."""

    young_person = models.ForeignKey(YoungPerson, on_delete=models.PROTECT, related_name="episodes")
    authority = models.ForeignKey(
        "accounts.Authority", on_delete=models.PROTECT, related_name="episodes"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="episodes"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="episodes",
    )
    status = models.CharField(
        max_length=20, choices=EpisodeStatus.choices, default=EpisodeStatus.REFERRED
    )
    referred_on = models.DateField()
    allocated_on = models.DateField(null=True, blank=True)
    started_on = models.DateField(
        null=True, blank=True, help_text="Date of the first attended session."
    )
    closed_on = models.DateField(null=True, blank=True)
    ending_reason = models.CharField(max_length=20, choices=EndingReason.choices, blank=True)
    activity_budget_pence = models.PositiveIntegerField(default=0)
    is_current = models.BooleanField(
        default=True,
        help_text="The young person's current episode: the open one, otherwise the latest. "
        "Whoever holds it sees the young person's whole record (docs/access.md).",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CaseManager.from_queryset(EpisodeQuerySet)()

    class Meta:
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["young_person"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="episode_one_open_per_young_person",
            ),
            models.UniqueConstraint(
                fields=["young_person"],
                condition=Q(is_current=True),
                name="episode_one_current_per_young_person",
            ),
            models.CheckConstraint(
                name="episode_open_is_current",
                condition=~Q(status__in=[s.value for s in OPEN_STATUSES]) | Q(is_current=True),
            ),
            models.CheckConstraint(
                name="episode_closed_has_reason_and_date",
                condition=(
                    Q(status__in=["closed", "not_taken_on"], closed_on__isnull=False)
                    & ~Q(ending_reason="")
                )
                | (
                    ~Q(status__in=["closed", "not_taken_on"])
                    & Q(closed_on__isnull=True, ending_reason="")
                ),
            ),
            models.CheckConstraint(
                name="episode_allocated_has_coach",
                condition=~Q(status__in=["allocated", "active"])
                | Q(coach__isnull=False, team__isnull=False),
            ),
            models.CheckConstraint(
                name="episode_coach_has_team",
                condition=Q(coach__isnull=True) | Q(team__isnull=False),
            ),
            models.CheckConstraint(
                name="episode_dates_in_order",
                condition=(Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("referred_on")))
                & (Q(started_on__isnull=True) | Q(started_on__gte=models.F("referred_on"))),
            ),
        ]
        indexes = [
            models.Index(fields=["coach", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["authority", "status"]),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def was_not_taken_on(self) -> bool:
        return self.status == EpisodeStatus.NOT_TAKEN_ON


class RiskLevel(models.TextChoices):
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Harm(models.TextChoices):
    SERIOUS_VIOLENCE = "serious_violence", "Serious youth violence"
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Criminal exploitation"
    COUNTY_LINES = "county_lines", "County lines"
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Sexual exploitation"
    WEAPONS = "weapons", "Carrying weapons"
    GROUP_VIOLENCE = "group_violence", "Group or gang-related violence"
    ONLINE_HARM = "online_harm", "Harm online"
    OTHER = "other", "Other"


class Referral(models.Model):
    """How an episode began: who referred, the risk panel's view, and consent."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="referral")
    referrer_name = models.CharField("name of the person referring", max_length=150)
    referrer_organisation = models.CharField("their organisation or service", max_length=150)
    received_on = models.DateField("date the referral was received")
    panel_date = models.DateField("date of the risk panel")
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    harms = ArrayField(
        models.CharField(max_length=30, choices=Harm.choices), verbose_name="harms of concern"
    )
    consent_given = models.BooleanField("the young person agreed to take part")
    eligible = models.BooleanField()
    ineligible_reasons = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        constraints = [
            models.CheckConstraint(name="referral_harms_not_empty", condition=Q(harms__len__gt=0)),
            models.CheckConstraint(
                name="referral_ineligible_has_reason",
                condition=Q(eligible=True, ineligible_reasons__len=0)
                | Q(eligible=False, ineligible_reasons__len__gt=0),
            ),
        ]


class EpisodeStatusChange(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=EpisodeStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=EpisodeStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["changed_at", "pk"]


class AllocationKind(models.TextChoices):
    ALLOCATED = "allocated", "Allocated"
    REALLOCATED = "reallocated", "Reallocated"
    TRANSFERRED = "transferred", "Transferred to another authority"


class Allocation(models.Model):
    """Who held the case, and where, over time. The current row has no end."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="allocations")
    kind = models.CharField(max_length=20, choices=AllocationKind.choices)
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"], condition=Q(ends_at__isnull=True), name="allocation_one_current"
            ),
            models.CheckConstraint(
                name="allocation_ends_after_start",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
            ),
        ]


#: Reasons a coach may give for closing (not eligibility, which is decided at referral).
CLOSURE_REASONS = [c for c in EndingReason.choices if c[0] != EndingReason.NOT_ELIGIBLE]


class ClosureDecision(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned to the coach"


class ClosureRequest(models.Model):
    """A coach asks to close a case; a supervisor approves or returns it (C3, V4)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="closure_requests")
    ending_reason = models.CharField(max_length=20, choices=CLOSURE_REASONS)
    summary = models.TextField("why the case should close")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(
        max_length=20, choices=ClosureDecision.choices, default=ClosureDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(decision=ClosureDecision.PENDING),
                name="closure_one_pending_per_episode",
            ),
            models.CheckConstraint(
                name="closure_decided_has_decider",
                condition=Q(
                    decision=ClosureDecision.PENDING,
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                )
                | (
                    ~Q(decision=ClosureDecision.PENDING)
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="closure_returned_has_comment",
                condition=~Q(decision=ClosureDecision.RETURNED) | ~Q(decision_comment=""),
            ),
        ]

    @property
    def is_pending(self) -> bool:
        return self.decision == ClosureDecision.PENDING

    @property
    def was_returned(self) -> bool:
        return self.decision == ClosureDecision.RETURNED

    @property
    def was_approved(self) -> bool:
        return self.decision == ClosureDecision.APPROVED


class FlagLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class FlagCategory(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    VIOLENCE = "violence", "Risk of violence"
    EXPLOITATION = "exploitation", "Exploitation"
    MISSING = "missing", "Missing episodes"
    MENTAL_HEALTH = "mental_health", "Mental health"
    OTHER = "other", "Other"


class RiskFlag(models.Model):
    """A risk or safeguarding flag. Flags are resolved, never deleted (C6)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="flags")
    category = models.CharField(max_length=20, choices=FlagCategory.choices)
    level = models.CharField(max_length=10, choices=FlagLevel.choices)
    summary = models.TextField()
    review_on = models.DateField("review date")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    session = models.ForeignKey(
        "coaching.SessionLog",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flags",
        help_text="The session at which the concern was raised, if any.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                name="flag_resolution_complete",
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True, resolution="")
                | (Q(resolved_at__isnull=False, resolved_by__isnull=False) & ~Q(resolution="")),
            ),
        ]
        indexes = [
            models.Index(
                fields=["episode", "review_on"],
                condition=Q(resolved_at__isnull=True),
                name="flag_open_by_episode",
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class FlagReview(models.Model):
    """One review of a flag that changed how serious it is or when it is next reviewed, with
    what it was before: the flag's own row shows only where it stands now (C6, C7)."""

    flag = models.ForeignKey(RiskFlag, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)
    level_before = models.CharField(max_length=10, choices=FlagLevel.choices)
    level_after = models.CharField(max_length=10, choices=FlagLevel.choices)
    review_on_before = models.DateField()
    review_on_after = models.DateField()

    objects = case_manager(CaseQuerySet, "flag__episode")

    class Meta:
        ordering = ["reviewed_at", "pk"]


class BudgetSpend(models.Model):
    """Money spent from a young person's activity budget (C8)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="budget_spends")
    description = models.CharField("what it was for", max_length=200)
    amount_pence = models.PositiveIntegerField()
    spent_on = models.DateField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = case_manager(CaseQuerySet, "episode")

    class Meta:
        ordering = ["spent_on", "pk"]
        constraints = [
            models.CheckConstraint(name="budget_spend_positive", condition=Q(amount_pence__gt=0)),
        ]


# Contexts link young people across caseloads (C10): their own module, loaded with the app.
import cases.contexts.models  # noqa: E402,F401
