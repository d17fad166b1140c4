"""A notice's history and reports are append-only in the database too (as ticket events:
tickets 0002). PostgreSQL refuses UPDATE and DELETE; SQLite refuses UPDATE (its test
flush deletes rows; the model and the PROTECT foreign keys refuse deletes)."""

from django.db import migrations

TABLES = ("rectification_noticestep", "rectification_report")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION rectification_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '整改记录只能追加,不能修改或删除 (% %)', TG_TABLE_NAME, OLD.id;
END;
$$ LANGUAGE plpgsql;
"""


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION rectification_append_only();",
                params=None,
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, '整改记录只能追加,不能修改'); END;"
            )


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", params=None)
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS rectification_append_only();", params=None)


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
