"""Sessions that did not happen keep no length, place or feelings.

The session form came with the coach's usual length and place filled in, and a missed or
cancelled session kept them ("60 minutes, community setting"). They are cleared here, before
0005 adds the constraint that keeps them out. Goal ratings were never accepted for such a
session, so there are none to remove.
"""

from django.db import migrations


def clear_not_attended(apps, schema_editor):
    SessionLog = apps.get_model("coaching", "SessionLog")
    SessionLog.objects.exclude(attendance="attended").update(
        duration_minutes=None, place="", feeling_start=None, feeling_end=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0003_session_log_version"),
    ]

    operations = [
        # Nothing to put back: the cleared values never described a session.
        migrations.RunPython(clear_not_attended, migrations.RunPython.noop),
    ]
