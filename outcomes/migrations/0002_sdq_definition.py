"""The SDQ self-report (ages 11-17) as a measure definition (docs/measures.md).

Only item numbers and the three answer labels are stored: the SDQ's wording is copyright
(youthinmind) and the product never displays it. Scoring lives in outcomes/scoring/sdq.py.
"""

from django.db import migrations

ITEMS = {
    "numbers": list(range(1, 26)),
    "answers": {"0": "Not true", "1": "Somewhat true", "2": "Certainly true"},
    "reversed": [7, 11, 14, 21, 25],
    "scales": {
        "emotional": [3, 8, 13, 16, 24],
        "conduct": [5, 7, 12, 18, 22],
        "hyperactivity": [2, 10, 15, 21, 25],
        "peer": [6, 11, 14, 19, 23],
        "prosocial": [1, 4, 9, 17, 20],
    },
}

# Baseline and review: days from the start of the work (first attended session, or referral
# before it). End: opens when closure is asked for, overdue this many days after closure.
WINDOWS = {
    "baseline": {"opens_day": -14, "due_day": 21},
    "review": {"opens_day": 56, "due_day": 84},
    "end": {"due_days_after_close": 14},
}


def load(apps, schema_editor):
    MeasureDefinition = apps.get_model("outcomes", "MeasureDefinition")
    MeasureDefinition.objects.update_or_create(
        code="sdq-self-report",
        version="11-17",
        defaults={
            "name": "Strengths and Difficulties Questionnaire (self-report)",
            "min_age": 11,
            "max_age": 17,
            "scoring": "sdq",
            "items": ITEMS,
            "windows": WINDOWS,
            "licence_note": (
                "SDQ copyright youthinmind. Record the answers from the paper form by item "
                "number; the questions are not shown."
            ),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
