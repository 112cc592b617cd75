"""Mark each young person's current episode: the open one, otherwise the latest referred."""

from django.db import migrations

MARK_CURRENT = """
UPDATE cases_episode SET is_current = (cases_episode.id = latest.id)
FROM (
    SELECT DISTINCT ON (young_person_id) young_person_id, id
    FROM cases_episode
    ORDER BY young_person_id,
             status IN ('referred', 'allocated', 'active') DESC,
             referred_on DESC,
             id DESC
) AS latest
WHERE latest.young_person_id = cases_episode.young_person_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_episode_is_current"),
    ]

    operations = [migrations.RunSQL(MARK_CURRENT, migrations.RunSQL.noop)]
