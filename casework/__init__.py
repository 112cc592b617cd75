"""The pages that bring a young person's casework together: each role's home page, the young
person's page and its timeline, closing a case, the subject access export and retention.

The top layer (docs/architecture.md): it reads cases, goals and measures, sessions, caseloads and
supervision, and nothing below imports it.
"""
