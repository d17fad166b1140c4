"""PostgreSQL: the newest tickets a user may see, read from an index alone.

The search's first pass (``services.ticket_page_ids``) reads the ids of the newest tickets
in the user's scope (``access.tickets_visible_to``: unit, owner unit, handler, first
registrar). Walking the primary key backwards and filtering on those columns reads the
table's rows (for a department at 1M tickets, ~50,000 of them: ~30 ms); with the four
columns included in an index on ``id`` it is an index-only scan (~9 ms; bench/README.md).
Built concurrently (no lock on the tickets table), so this migration is not atomic.
SQLite: nothing (an embedded database is small).
"""

from django.db import migrations

INDEX = "search_ticket_scope"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON tickets_ticket (id) "
            "INCLUDE (unit_id, owner_unit_id, handler_id, registered_by_id)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("search", "0002_vendor_indexes"), ("tickets", "0007_ticket_source")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
