"""History is append-only in the database too: UPDATE and DELETE on events are refused.

The model already refuses them; the trigger also stops raw SQL, bulk updates and
queryset deletes. On SQLite only UPDATE is refused in the database (its test-database
flush deletes rows; deleting an event is still refused by the model and by the PROTECT
foreign key from the ticket); PostgreSQL refuses both (its flush uses TRUNCATE, which
row triggers do not see).
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION tickets_ticketevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '办理记录只能追加,不能修改或删除 (ticket event %)', OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tickets_ticketevent_no_update BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS tickets_ticketevent_no_update ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_ticketevent_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER tickets_ticketevent_no_update BEFORE UPDATE ON tickets_ticketevent
       BEGIN SELECT RAISE(ABORT, '办理记录只能追加,不能修改'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tickets_ticketevent_no_update;",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
