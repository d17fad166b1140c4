"""The database's own full-text structures beside the documents (one concern: the indexes).

PostgreSQL: ``tsv`` is generated from ``tokens`` (``strip(to_tsvector('simple', …))``: the
lexemes as they are, no stemming, no positions) and indexed with GIN; ``body`` has a
``pg_trgm`` GIN index for substrings (numbers, phones, addresses, and any term of three
characters or more). SQLite: two FTS5 tables per document table, keyed by the object's id,
written beside each document by ``hotline.search.index``.

Existing tickets and articles are indexed by ``hotline search_reindex`` (not here: a
million tickets take minutes).
"""

from django.db import migrations

TABLES = ("search_ticketdocument", "search_articledocument")
FTS = {"search_ticketdocument": "search_ticket", "search_articledocument": "search_article"}


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in TABLES:
            schema_editor.execute(
                f"ALTER TABLE {table} ADD COLUMN tsv tsvector "
                "GENERATED ALWAYS AS (strip(to_tsvector('simple'::regconfig, tokens))) STORED"
            )
            schema_editor.execute(f"CREATE INDEX {table}_tsv ON {table} USING gin (tsv)")
            schema_editor.execute(f"CREATE INDEX {table}_trgm ON {table} USING gin (body gin_trgm_ops)")
    elif vendor == "sqlite":
        for prefix in FTS.values():
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {prefix}_words USING fts5(tokens, tokenize='unicode61 remove_diacritics 0')"
            )
            schema_editor.execute(f"CREATE VIRTUAL TABLE {prefix}_trigram USING fts5(body, tokenize='trigram')")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_trgm")
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_tsv")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS tsv")
    elif vendor == "sqlite":
        for prefix in FTS.values():
            schema_editor.execute(f"DROP TABLE IF EXISTS {prefix}_words")
            schema_editor.execute(f"DROP TABLE IF EXISTS {prefix}_trigram")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_documents")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
