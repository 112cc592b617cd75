"""The one way old audit events leave the table: against an archive made first.

The trigger from 0002 still refuses every UPDATE. A DELETE is allowed only for an event that
(a) the current transaction has named an archive for (`SET LOCAL yourchoice.audit_archive`),
(b) falls in that archive's month, and (c) is in a month that ended more than 24 months ago.
So events of the last two years cannot be deleted by anyone using the service's account, and
older ones only after their archive row exists. Archive rows are append-only too.
See docs/audit.md and `manage.py archive_audit`.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION yourchoice_audit_append_only() RETURNS trigger AS $$
DECLARE
    archive text := coalesce(current_setting('yourchoice.audit_archive', true), '');
BEGIN
    IF TG_OP = 'DELETE' AND archive ~ '^[0-9]+$' AND EXISTS (
        SELECT 1 FROM yourchoice_auditarchive a
        WHERE a.id = archive::bigint
          AND OLD.at >= a.starts_at AND OLD.at < a.ends_at
          AND a.ends_at <= now() - interval '24 months'
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION yourchoice_audit_archive_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit archive records are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER yourchoice_auditarchive_append_only
    BEFORE UPDATE OR DELETE ON yourchoice_auditarchive
    FOR EACH ROW EXECUTE FUNCTION yourchoice_audit_archive_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS yourchoice_auditarchive_append_only ON yourchoice_auditarchive;
DROP FUNCTION IF EXISTS yourchoice_audit_archive_append_only();

CREATE OR REPLACE FUNCTION yourchoice_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("yourchoice", "0004_audit_archive_and_sign_in_events")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
