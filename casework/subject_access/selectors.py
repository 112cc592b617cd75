"""Everything the service holds about one young person, for a subject access request.

Reached through the visibility rule like every other read, so it holds what the requester's
authority holds: a case transferred in brings its whole history; earlier cases still held by
another authority are theirs to disclose, and the export says so. Values are in plain English
(labels, not codes), dates in ISO 8601, times in UK time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from cases.contexts.models import ContextLink
from cases.models import (
    Allocation,
    BudgetSpend,
    ClosureRequest,
    Episode,
    EpisodeStatusChange,
    FlagReview,
    Harm,
    KeyContact,
    RetentionExtension,
    RiskFlag,
)
from cases.selectors import latest_episode_for_user
from outcomes.models import Goal, GoalRating, MeasureResponse
from sessions.models import SessionLog, SessionNoteAddendum
from supervision.models import Action, CaseDiscussion

if TYPE_CHECKING:
    from accounts.models import User
    from cases.models import YoungPerson

NOTE = (
    "This is everything the Your Choice service holds about this young person in {authority}. "
    "Free text is as the staff wrote it. Cases held by another authority, if any, are not "
    "included: ask that authority. Who viewed or changed the record is kept separately in the "
    "audit trail and can be provided on request."
)


def _when(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    return value.isoformat()


def _who(user: User | None) -> str | None:
    return user.full_name if user is not None else None


def get_young_person_for_export(user: User, young_person_pk: int) -> Episode:
    """The latest visible episode (with its young person), if the user may export: 404 for
    anyone out of reach, 403 for those who see the record but may not export it."""
    episode = latest_episode_for_user(user, young_person_pk)
    access.require_on(user, Perm.SUBJECT_ACCESS, episode)
    return episode


def _episodes(user: User, young_person: YoungPerson) -> list[Episode]:
    related = {
        "status_changes": EpisodeStatusChange.objects.select_related("changed_by"),
        "allocations": Allocation.objects.select_related("authority", "team", "coach", "made_by"),
        "session_logs": SessionLog.objects.select_related("coach", "recorded_by")
        .prefetch_related(
            "techniques",
            Prefetch("addenda", SessionNoteAddendum.objects.select_related("author")),
        )
        .order_by("occurred_at", "pk"),
        "goals": Goal.objects.select_related("created_by").prefetch_related(
            Prefetch("ratings", GoalRating.objects.select_related("rated_by"))
        ),
        "measure_responses": MeasureResponse.objects.select_related("definition", "recorded_by"),
        "flags": RiskFlag.objects.select_related("raised_by", "resolved_by")
        .prefetch_related(Prefetch("reviews", FlagReview.objects.select_related("reviewed_by")))
        .order_by("raised_at", "pk"),
        "closure_requests": ClosureRequest.objects.select_related(
            "requested_by", "decided_by"
        ).order_by("requested_at", "pk"),
        "budget_spends": BudgetSpend.objects.select_related("approved_by", "recorded_by"),
        "actions": Action.objects.select_related("owner", "done_by", "record"),
        "discussions": CaseDiscussion.objects.select_related("record__supervisor").order_by(
            "record__held_on", "pk"
        ),
    }
    return list(
        Episode.objects.visible_to(user)
        .filter(young_person=young_person)
        .select_related("authority", "team", "coach", "referral__recorded_by")
        .prefetch_related(*(Prefetch(name, qs) for name, qs in related.items()))
        .order_by("referred_on", "pk")
    )


def _referral(episode: Episode) -> dict[str, Any] | None:
    referral = getattr(episode, "referral", None)
    if referral is None:
        return None
    return {
        "referred_by": referral.referrer_name,
        "organisation": referral.referrer_organisation,
        "received_on": _when(referral.received_on),
        "risk_panel_date": _when(referral.panel_date),
        "risk_level": referral.get_risk_level_display(),
        "harms_of_concern": [dict(Harm.choices).get(h, h) for h in referral.harms],
        "agreed_to_take_part": referral.consent_given,
        "eligible": referral.eligible,
        "not_eligible_because": referral.ineligible_reasons,
        "recorded_by": _who(referral.recorded_by),
        "recorded_at": _when(referral.created_at),
    }


def _sessions(episode: Episode) -> list[dict[str, Any]]:
    return [
        {
            "date_and_time": _when(s.occurred_at),
            "attendance": s.get_attendance_display(),
            "minutes": s.duration_minutes,
            "where": s.get_place_display() if s.place else None,
            "techniques": [t.name for t in s.techniques.all()],
            "feeling_at_start": s.feeling_start,
            "feeling_at_end": s.feeling_end,
            "task_until_next_time": s.between_session_task,
            "notes": s.notes,
            "safeguarding_concern_raised": s.safeguarding_concern,
            "coach": _who(s.coach),
            "recorded_by": _who(s.recorded_by),
            "additions_to_notes": [
                {
                    "text": a.text,
                    "why": a.reason,
                    "by": _who(a.author),
                    "at": _when(a.created_at),
                }
                for a in s.addenda.all()
            ],
        }
        for s in episode.session_logs.all()
    ]


def _goals(episode: Episode) -> list[dict[str, Any]]:
    return [
        {
            "goal": g.description,
            "status": g.get_status_display(),
            "agreed_on": _when(g.agreed_on),
            "ended_on": _when(g.ended_on),
            "agreed_by": _who(g.created_by),
            "ratings_out_of_10": [
                {
                    "on": _when(r.rated_on),
                    "score": r.score,
                    "by": _who(r.rated_by),
                    "rated_by": r.get_rater_display(),
                }
                for r in g.ratings.all()
            ],
        }
        for g in episode.goals.all()
    ]


def _measures(episode: Episode) -> list[dict[str, Any]]:
    return [
        {
            "questionnaire": f"{m.definition.name} ({m.definition.version})",
            "occasion": m.get_occasion_display(),
            "completed_on": _when(m.completed_on),
            "entered_as": m.get_entry_mode_display(),
            "answers_by_item_number": m.item_answers,
            "scores": m.scores,
            "total": m.total_score,
            "recorded_by": _who(m.recorded_by),
        }
        for m in episode.measure_responses.all()
    ]


def _flags(episode: Episode) -> list[dict[str, Any]]:
    return [
        {
            "category": f.get_category_display(),
            "level": f.get_level_display(),
            "concern": f.summary,
            "review_by": _when(f.review_on),
            "raised_by": _who(f.raised_by),
            "raised_at": _when(f.raised_at),
            "resolved_at": _when(f.resolved_at),
            "resolved_by": _who(f.resolved_by),
            "resolution": f.resolution,
            "reviews": [
                {
                    "reviewed_at": _when(r.reviewed_at),
                    "reviewed_by": _who(r.reviewed_by),
                    "level_before": r.get_level_before_display(),
                    "level_after": r.get_level_after_display(),
                    "review_by_before": _when(r.review_on_before),
                    "review_by_after": _when(r.review_on_after),
                }
                for r in f.reviews.all()
            ],
        }
        for f in episode.flags.all()
    ]


def _episode(episode: Episode) -> dict[str, Any]:
    return {
        "authority": episode.authority.name,
        "status": episode.get_status_display(),
        "referred_on": _when(episode.referred_on),
        "allocated_on": _when(episode.allocated_on),
        "first_session_on": _when(episode.started_on),
        "closed_on": _when(episode.closed_on),
        "ending_reason": episode.get_ending_reason_display() or None,
        "team": episode.team.name if episode.team else None,
        "coach": _who(episode.coach),
        "activity_budget_pounds": episode.activity_budget_pence / 100,
        "referral": _referral(episode),
        "status_history": [
            {
                "from": c.get_from_status_display() or None,
                "to": c.get_to_status_display(),
                "by": _who(c.changed_by),
                "at": _when(c.changed_at),
            }
            for c in episode.status_changes.all()
        ],
        "allocations": [
            {
                "kind": a.get_kind_display(),
                "authority": a.authority.name,
                "team": a.team.name if a.team else None,
                "coach": _who(a.coach),
                "from": _when(a.starts_at),
                "until": _when(a.ends_at),
                "made_by": _who(a.made_by),
            }
            for a in episode.allocations.all()
        ],
        "sessions": _sessions(episode),
        "goals": _goals(episode),
        "questionnaires": _measures(episode),
        "flags": _flags(episode),
        "closure_requests": [
            {
                "ending_reason": c.get_ending_reason_display(),
                "why": c.summary,
                "asked_by": _who(c.requested_by),
                "asked_at": _when(c.requested_at),
                "decision": c.get_decision_display(),
                "decided_by": _who(c.decided_by),
                "decided_at": _when(c.decided_at),
                "comment": c.decision_comment,
            }
            for c in episode.closure_requests.all()
        ],
        "activity_spending": [
            {
                "what": b.description,
                "pounds": b.amount_pence / 100,
                "on": _when(b.spent_on),
                "approved_by": _who(b.approved_by),
                "recorded_by": _who(b.recorded_by),
            }
            for b in episode.budget_spends.all()
        ],
        "supervision_discussions": [
            {
                "held_on": _when(d.record.held_on),
                "format": d.record.get_format_display(),
                "supervisor": _who(d.record.supervisor),
                "notes": d.notes,
            }
            for d in episode.discussions.all()
        ],
        "actions": [
            {
                "action": a.description,
                "owner": _who(a.owner),
                "due_on": _when(a.due_on),
                "agreed_in_supervision_on": _when(a.record.held_on),
                "done_at": _when(a.done_at),
                "done_by": _who(a.done_by),
            }
            for a in episode.actions.all()
        ],
    }


def subject_access_export(user: User, latest: Episode) -> dict[str, Any]:
    """The whole record as plain data, ready for JSON or the printable page. `latest` comes
    from get_young_person_for_export, which checked access."""
    person = latest.young_person
    episodes = _episodes(user, person)
    contacts = KeyContact.objects.visible_to(user).filter(young_person=person)
    extensions = (
        RetentionExtension.objects.visible_to(user)
        .filter(young_person=person)
        .select_related("decided_by")
    )
    # Only this young person's own links: the context's other links, and how many there are,
    # are about other young people (docs/contexts.md).
    links = (
        ContextLink.objects.visible_to(user)
        .filter(young_person=person)
        .select_related("context", "linked_by", "ended_by")
        .order_by("known_from", "pk")
    )
    authority = latest.authority.name if latest.authority_id else ""
    return {
        "about_this_export": {
            "reference": person.reference,
            "made_at": _when(timezone.now()),
            "made_by": _who(user),
            "software_version": settings.VERSION,
            "note": NOTE.format(authority=authority),
        },
        "young_person": {
            "reference": person.reference,
            "first_name": person.given_name,
            "last_name": person.family_name,
            "preferred_name": person.preferred_name,
            "date_of_birth": _when(person.date_of_birth),
            "gender": person.get_gender_display(),
            "ethnicity": person.get_ethnicity_display(),
            "special_educational_needs": person.get_special_needs_display(),
            "looked_after_status": person.get_looked_after_display(),
            "education": person.get_education_status_display(),
            "youth_justice_involvement": person.get_youth_justice_display(),
            "agreed_to_evaluation_use": person.research_consent,
            "recorded_at": _when(person.created_at),
            "anonymised_at": _when(person.anonymised_at),
        },
        "key_contacts": [
            {
                "name": c.name,
                "relationship": c.relationship,
                "phone": c.phone,
                "email": c.email,
            }
            for c in contacts
        ],
        "retention_decisions": [
            {
                "keep_until": _when(e.keep_until),
                "why": e.reason,
                "decided_by": _who(e.decided_by),
                "decided_at": _when(e.decided_at),
            }
            for e in extensions
        ],
        "contexts": [
            {
                "kind": link.context.get_kind_display(),
                "context": link.context.name,
                "why_linked": link.reason,
                "linked_since": _when(link.known_from),
                "linked_by": _who(link.linked_by),
                "linked_at": _when(link.linked_at),
                "ended_on": _when(link.ended_on),
                "ended_by": _who(link.ended_by),
                "why_ended": link.end_reason or None,
            }
            for link in links
        ],
        "cases": [_episode(e) for e in episodes],
    }
