"""Load London's 33 local authorities (accounts/data/london_local_authorities.csv).

Which authorities are active changes over time, so every one is loaded and `active` is data.
"""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "london_local_authorities.csv"


def load(apps, schema_editor):
    Authority = apps.get_model("accounts", "Authority")
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Authority.objects.update_or_create(
                gss_code=row["gss_code"], defaults={"name": row["name"]}
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
