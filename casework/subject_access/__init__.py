"""Subject access requests: a complete export of one young person's record.

See docs/programme.md X6.
"""
