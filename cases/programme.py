"""The programme's rules for a case that every layer counts by (docs/programme.md S4).

Here, in the lowest case layer, so that the report (outcomes/) and the pages (sessions/, caseload/)
read the same numbers without the report importing the sessions app.
"""

#: The programme's target: three sessions a week for 12 to 18 weeks.
TARGET_SESSIONS_PER_WEEK = 3
#: No attended session for this many days or more is "no contact" (S4, V1).
NO_CONTACT_DAYS = 14
