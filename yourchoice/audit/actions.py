"""Every action the audit trail records, each with the plain-English name people read it by (X2).

Code records, filters and compares members, never strings, so an action cannot be recorded
without a name here, and renaming one in code cannot quietly orphan the rows already written.
The values are what the append-only table stores: they never change, or the rows already
written (and each borough lead's trail) would stop reading. A new action is a new member.
"""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    # Reading a record.
    YOUNG_PERSON_VIEW = "young_person.view", "Viewed the record"
    YOUNG_PERSON_AUDIT_VIEW = "young_person.audit_view", "Viewed who used the record"
    YOUNG_PERSON_EXPORT = "young_person.export", "Downloaded a subject access export"
    YOUNG_PERSON_READ = "young_person.read", "Opened a page showing the record"
    YOUNG_PERSON_API_READ = "young_person.api_read", "Read the record through the API"
    YOUNG_PERSON_OFFLINE_COPY = (
        "young_person.offline_copy",
        "Kept part of the record on their phone for working without signal",
    )
    # Changing a record.
    REFERRAL_CREATE = "referral.create", "Recorded a referral"
    REFERRAL_REASSESS = "referral.reassess", "Re-assessed a referral that was not taken on"
    YOUNG_PERSON_UPDATE = "young_person.update", "Changed the young person's details"
    KEY_CONTACT_ADD = "key_contact.add", "Added a key contact"
    KEY_CONTACT_UPDATE = "key_contact.update", "Changed a key contact"
    KEY_CONTACT_REMOVE = "key_contact.remove", "Removed a key contact"
    EPISODE_ALLOCATED = "episode.allocated", "Allocated the case to a coach"
    EPISODE_REALLOCATED = "episode.reallocated", "Reallocated the case"
    EPISODE_TRANSFER = "episode.transfer", "Transferred the case to another authority"
    SESSION_LOG = "session.log", "Logged a session"
    SESSION_CORRECT_NOTES = "session.correct_notes", "Corrected session notes"
    SESSION_CORRECT = "session.correct", "Corrected a session"
    SESSION_ADDENDUM = "session.addendum", "Added to session notes"
    SESSION_WAITING_ASKED = (
        "session.waiting_asked",
        "Asked a supervisor about a session waiting on a phone that could not be saved",
    )
    GOAL_SET = "goal.set", "Agreed a goal"
    GOAL_RATE = "goal.rate", "Rated a goal"
    YOUNG_PERSON_TURN_START = (
        "young_person_turn.start",
        "Handed the phone to the young person to rate their own goals",
    )
    YOUNG_PERSON_TURN_RATE = (
        "young_person_turn.rate",
        "Recorded the young person's own ratings of their feelings and goals",
    )
    GOAL_ACHIEVED = "goal.achieved", "Marked a goal achieved"
    GOAL_REPLACED = "goal.replaced", "Replaced a goal"
    GOAL_DROPPED = "goal.dropped", "Dropped a goal"
    MEASURE_RECORD = "measure.record", "Recorded a questionnaire"
    FLAG_RAISE = "flag.raise", "Raised a flag"
    FLAG_REVIEW = "flag.review", "Reviewed a flag"
    FLAG_RESOLVE = "flag.resolve", "Resolved a flag"
    BUDGET_SPEND = "budget.spend", "Recorded activity budget spending"
    CLOSURE_REQUEST = "closure.request", "Asked to close the case"
    CLOSURE_APPROVE = "closure.approve", "Approved closing the case"
    CLOSURE_RETURN = "closure.return", "Returned a request to close the case"
    SUPERVISION_DISCUSS = "supervision.discuss", "Discussed the case in supervision"
    SUPERVISION_DISCUSS_UPDATE = (
        "supervision.discuss_update",
        "Changed supervision notes about the case",
    )
    CONTEXT_CREATE = "context.create", "Recorded a context of harm, linking the young person"
    CONTEXT_LINK = "context.link", "Linked the young person to a context of harm"
    CONTEXT_LINK_END = "context.link_end", "Ended the young person's link to a context of harm"
    CONTEXT_ANONYMISE = (
        "context.anonymise",
        "Anonymised a context of harm once no young person was linked to it",
    )
    BREAK_GLASS_OPEN = "break_glass.open", "Opened the record with break-glass access"
    BREAK_GLASS_REFUSED = "break_glass.refused", "Asked for break-glass access and was refused"
    BREAK_GLASS_REVIEW = "break_glass.review", "Reviewed a use of break-glass access"
    RETENTION_EXTEND = "retention.extend", "Kept the record past its retention date"
    YOUNG_PERSON_ANONYMISE = "young_person.anonymise", "Anonymised the record"
    # Bringing a borough's existing cases in from a spreadsheet (casework/imports/). Each record
    # an import creates has its own event too, the same as when it is recorded in the service,
    # marked as imported with the file's name and SHA-256.
    IMPORT_CHECK = "import.check", "Uploaded a file of existing cases to import, and had it checked"
    IMPORT_CONFIRM = "import.confirm", "Confirmed an import of existing cases"
    IMPORT_SAVE = "import.save", "Imported existing cases from a file"
    IMPORT_FAIL = "import.fail", "An import of existing cases failed: nothing was saved"
    IMPORT_MAPPING_DOWNLOAD = (
        "import.mapping_download",
        "Downloaded the old ids of imported records and their references",
    )
    # Supervision as a whole (the record names several cases; each case has its own event).
    SUPERVISION_RECORD = "supervision.record", "Recorded supervision"
    SUPERVISION_UPDATE = "supervision.update", "Changed a supervision record"
    ACTION_COMPLETE = "action.complete", "Marked a supervision action done"
    # Reports and evaluation extracts.
    REPORT_REQUEST = "report.request", "Asked for a report"
    REPORT_DOWNLOAD = "report.download", "Downloaded a report"
    EXTRACT_REQUEST = "extract.request", "Asked for an evaluation extract"
    EXTRACT_DOWNLOAD = "extract.download", "Downloaded an evaluation extract"
    # Signing in.
    SIGNIN_SUCCEEDED = "signin.succeeded", "Signed in"
    SIGNIN_FAILED = "signin.failed", "Sign-in failed: wrong email address or password"
    SIGNIN_CODE_FAILED = "signin.code_failed", "Sign-in failed: wrong authenticator code"
    SIGNIN_LOCKED_OUT = "signin.locked_out", "Locked out after repeated failures"
    SIGNIN_ADDRESS_LIMITED = (
        "signin.address_limited",
        "Sign-in slowed for an address: failures for many accounts",
    )
    SIGNIN_APP_SET_UP = "signin.app_set_up", "Set up an authenticator app"
    SIGNIN_PASSKEY = "signin.passkey", "Signed in with a passkey"
    SIGNIN_PASSKEY_FAILED = (
        "signin.passkey_failed",
        "Sign-in with a passkey refused: not checked by the phone, account off or locked",
    )
    SIGNIN_PASSKEY_ADDED = "signin.passkey_added", "Added a passkey"
    SIGNIN_PASSKEY_REMOVED = "signin.passkey_removed", "Removed a passkey"
    # Council sign-in (accounts/council/): the council's provider vouched for the person.
    SIGNIN_COUNCIL = (
        "signin.council",
        "Signed in with a council account, its own second step counted",
    )
    SIGNIN_COUNCIL_CHECKED = (
        "signin.council_checked",
        "Council account accepted: Your Choice's own second step comes next",
    )
    SIGNIN_COUNCIL_REFUSED = "signin.council_refused", "Sign-in with a council account refused"
    # Links to set up sign-in (accounts/people/): an invitation, or after a lost phone.
    SIGNIN_LINK_USED = "signin.link_used", "Followed a link to set up sign-in"
    SIGNIN_LINK_REFUSED = (
        "signin.link_refused",
        "A link to set up sign-in was refused: already used, expired or replaced",
    )
    SIGNIN_SET_UP_REFUSED = (
        "signin.set_up_refused",
        "Setting up a second step refused: no link to set up sign-in was followed",
    )
    SIGNOUT = "signout", "Signed out"
    SIGNOUT_COUNCIL = (
        "signout.council",
        "Signed out, and sent to the council's sign-in to sign out there too",
    )
    # Taking the phone back after the young person's turn (accounts/views.py, unlock).
    UNLOCK_SUCCEEDED = "unlock.succeeded", "Took the phone back after the young person's turn"
    UNLOCK_FAILED = "unlock.failed", "Taking the phone back failed: wrong password or passkey"
    # Who may see what (accounts/access_audit.py), API tokens and authorities' settings.
    ACCOUNT_CREATE = "account.create", "Made an account"
    ACCOUNT_UPDATE = "account.update", "Changed an account's access"
    ACCOUNT_DELETE = "account.delete", "Deleted an account"
    MEMBERSHIP_ADD = "membership.add", "Gave a role"
    MEMBERSHIP_UPDATE = "membership.update", "Changed a role"
    MEMBERSHIP_REMOVE = "membership.remove", "Took a role away"
    COVER_ADD = "cover.add", "Arranged cover"
    COVER_UPDATE = "cover.update", "Changed cover"
    COVER_REMOVE = "cover.remove", "Ended cover"
    TEAM_CREATE = "team.create", "Made a team"
    TEAM_UPDATE = "team.update", "Changed a team"
    TEAM_REMOVE = "team.remove", "Removed a team"
    ENROLMENT_LINK_SENT = "enrolment_link.sent", "Sent a link to set up sign-in"
    SECOND_FACTOR_RESET = (
        "account.second_factor_reset",
        "Reset a lost phone's second step: the person sets it up again from an emailed link",
    )
    API_TOKEN_ISSUE = "api_token.issue", "Issued an API token"
    API_TOKEN_REVOKE = "api_token.revoke", "Revoked an API token"
    AUTHORITY_UPDATE = "authority.update", "Changed an authority's settings"
    COUNCIL_SIGN_IN_UPDATE = "council_sign_in.update", "Changed a council's sign-in settings"
    COUNCIL_SIGN_IN_REMOVE = "council_sign_in.remove", "Removed a council's sign-in"


#: Events that read a record without changing it; every other event about a record changed it.
READ_ACTIONS: frozenset[AuditAction] = frozenset(
    {
        AuditAction.YOUNG_PERSON_VIEW,
        AuditAction.YOUNG_PERSON_AUDIT_VIEW,
        AuditAction.YOUNG_PERSON_EXPORT,
        AuditAction.YOUNG_PERSON_READ,
        AuditAction.YOUNG_PERSON_API_READ,
        AuditAction.YOUNG_PERSON_OFFLINE_COPY,
    }
)


def action_label(action: str) -> str:
    """The plain-English name of a stored action. A value that is no member (a row written
    before its action was renamed away) is still shown, readably."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action.replace("_", " ").replace(".", ": ").capitalize()
