from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_key_contact_and_flag_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="episode",
            name="is_current",
            field=models.BooleanField(
                default=True,
                help_text="The young person's current episode: the open one, otherwise the "
                "latest. Whoever holds it sees the young person's whole record "
                "(docs/access.md).",
            ),
        ),
    ]
