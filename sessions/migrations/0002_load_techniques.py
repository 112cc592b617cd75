"""The starting list of CBT-informed techniques. Administrators manage the list afterwards."""

from django.db import migrations

TECHNIQUES = [
    ("relationship-building", "Building the relationship", "Getting to know each other, trust"),
    ("goal-setting", "Setting and reviewing goals", "Agreeing goals in the young person's words"),
    ("behavioural-activation", "Behavioural activation", "Planning rewarding, valued activities"),
    ("problem-solving", "Problem solving", "Naming a problem, options, choosing, trying"),
    (
        "managing-feelings",
        "Managing intense feelings",
        "Noticing, naming and riding out strong feelings",
    ),
    ("thought-challenging", "Noticing and questioning thoughts", "Spotting unhelpful thinking"),
    ("safety-planning", "Safety planning", "Plans for risky places, people and moments"),
    ("psychoeducation", "Understanding how thoughts, feelings and actions link", ""),
    ("relaxation", "Relaxation and grounding", "Breathing, grounding, calming routines"),
    ("communication", "Communication and assertiveness", "Saying what you need without conflict"),
    ("values", "Values and future self", "What matters, who they want to be"),
    ("relapse-prevention", "Staying well and ending", "Planning for after the programme"),
]


def load(apps, schema_editor):
    Technique = apps.get_model("coaching", "Technique")
    for order, (code, name, description) in enumerate(TECHNIQUES, start=1):
        Technique.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "display_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("coaching", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
