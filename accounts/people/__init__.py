"""Borough leads run their authority's people (docs/programme.md X8, docs/people.md).

Inviting a person, giving and taking away their roles in the authority's teams, making and
renaming teams, arranging cover, switching off a leaver's account and resetting a lost phone's
second step. What a lead may do, to whom and where is the access policy's
(`access.people_run_by`, `access.managed_teams`, `access.may_give`); the writes are
`services.py`, the one-time links that set up sign-in `links.py`.
"""
