"""Lists of cases: each row's dose, goals, measures due and why it needs attention.

The coach's caseload, a team's and an authority's lists, and the caseload review all build on
these rows, so a case reads the same in each.
"""
