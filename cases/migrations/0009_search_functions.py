"""The database's part of finding a young person (docs/search.md): the extensions, and two
IMMUTABLE functions that the search's indexes are built on.

`unaccent()` is only STABLE (its dictionary could be changed), so PostgreSQL refuses it in an
index; `yc_search_text` calls it with its dictionary named, which makes it safe to declare
IMMUTABLE. Every name in the function bodies is qualified with the schema the extension is in,
so the indexes are rebuilt the same way when a backup is restored (pg_restore runs with an
empty search_path).
"""

from django.contrib.postgres.operations import CreateExtension, TrigramExtension, UnaccentExtension
from django.db import migrations

FUNCTIONS = r"""
DO $do$
DECLARE
    plain text := (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent');
    sounds text := (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'fuzzystrmatch');
BEGIN
    -- Lower case, accents taken off: "Zoë" and "ZOE" are both "zoe".
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION yc_search_text(value text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN lower(%1$I.unaccent(%2$L::regdictionary, value))
    $f$, plain, plain || '.unaccent');
    -- How each word of a name sounds (Double Metaphone, both codes): "Mohammed" and
    -- "Muhammad" are both MHMT, "Aisha" and "Ayesha" both AX.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION yc_name_codes(value text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN (
            SELECT coalesce(array_agg(DISTINCT code ORDER BY code), '{}')
            FROM regexp_split_to_table(%2$I.yc_search_text(value), '[^a-z]+') AS word,
                 LATERAL unnest(ARRAY[%1$I.dmetaphone(word), %1$I.dmetaphone_alt(word)]) AS code
            WHERE word <> '' AND code <> ''
        )
    $f$, sounds, current_schema());
END
$do$;
"""

DROP = """
DROP FUNCTION IF EXISTS yc_name_codes(text);
DROP FUNCTION IF EXISTS yc_search_text(text);
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_flag_reviews")]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        CreateExtension("fuzzystrmatch"),
        migrations.RunSQL(FUNCTIONS, DROP),
    ]
