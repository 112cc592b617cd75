"""Make the audit table append-only in the database itself: UPDATE and DELETE are refused.

Old events leave only by the archive policy in docs/audit.md, run by the database owner.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION yourchoice_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER yourchoice_auditevent_append_only
    BEFORE UPDATE OR DELETE ON yourchoice_auditevent
    FOR EACH ROW EXECUTE FUNCTION yourchoice_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS yourchoice_auditevent_append_only ON yourchoice_auditevent;
DROP FUNCTION IF EXISTS yourchoice_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("yourchoice", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
