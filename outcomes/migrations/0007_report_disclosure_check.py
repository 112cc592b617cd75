from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0006_goal_rating_rater_database_default"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="disclosure_check",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
