"""Who viewed and who changed a young person's record, for the borough lead.

See docs/programme.md X2 and docs/audit.md.
"""
