"""Open-ticket counts kept by the database (ADR 0026): three tables, the triggers that append
a +1/−1 row to ``tickets_opencountdelta`` on every insert, delete or change of a counted
column of ``tickets_ticket`` (whatever writes it: the services, ``COPY``, ``update()``), and
the counts of the tickets already open.

Creating the triggers locks ``tickets_ticket`` against writes until this migration commits,
so the backfill and the triggers see the same tickets: none is counted twice or missed.

A ticket is counted while ``status`` is ``open`` or ``suspended``, under
(unit, owner unit, pack, type, stage, status, due hour); the due hour is whole hours since
1970 UTC of ``due_at`` for a running ticket, 2³¹−1 (never due) for a suspended one or one
without a deadline. The two databases compute it alike: PostgreSQL from the exact epoch,
SQLite from ``strftime('%s')`` of the stored UTC text (whole seconds: the same hour).

A table emptied at once (a test database's flush) empties the counts too: PostgreSQL with
a ``TRUNCATE`` trigger (row triggers do not see one), SQLite when its last ticket row is
deleted (its flush deletes the tables in no fixed order).
"""

from django.db import migrations, models

COUNTED = "('open', 'suspended')"
KEY = 'unit_id, owner_unit_id, policy, "type", stage, status, due_hour'
NEVER = 2**31 - 1

PG_UP = f"""
CREATE FUNCTION tickets_due_hour(status varchar, due_at timestamptz) RETURNS integer AS $$
    SELECT CASE WHEN status = 'open' AND due_at IS NOT NULL
                THEN floor(extract(epoch FROM due_at) / 3600)::integer ELSE {NEVER} END
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION tickets_open_count_delta() RETURNS trigger AS $$
DECLARE
    old_hour integer;
    new_hour integer;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN {COUNTED} THEN
        old_hour := tickets_due_hour(OLD.status, OLD.due_at);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN {COUNTED} THEN
        new_hour := tickets_due_hour(NEW.status, NEW.due_at);
    END IF;
    IF old_hour = new_hour AND OLD.status = NEW.status AND OLD.stage = NEW.stage
       AND OLD.unit_id = NEW.unit_id AND OLD.owner_unit_id = NEW.owner_unit_id
       AND OLD.policy = NEW.policy AND OLD.type = NEW.type THEN
        RETURN NULL;  -- counted under the same key as before
    END IF;
    IF old_hour IS NOT NULL THEN
        INSERT INTO tickets_opencountdelta ({KEY}, n)
        VALUES (OLD.unit_id, OLD.owner_unit_id, OLD.policy, OLD.type, OLD.stage, OLD.status, old_hour, -1);
    END IF;
    IF new_hour IS NOT NULL THEN
        INSERT INTO tickets_opencountdelta ({KEY}, n)
        VALUES (NEW.unit_id, NEW.owner_unit_id, NEW.policy, NEW.type, NEW.stage, NEW.status, new_hour, 1);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION tickets_open_count_reset() RETURNS trigger AS $$
BEGIN
    DELETE FROM tickets_opencountdelta;
    DELETE FROM tickets_opencount;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_open_count_insert AFTER INSERT ON tickets_ticket
    FOR EACH ROW WHEN (NEW.status IN {COUNTED}) EXECUTE FUNCTION tickets_open_count_delta();
CREATE TRIGGER tickets_open_count_update
    AFTER UPDATE OF unit_id, owner_unit_id, policy, "type", stage, status, due_at ON tickets_ticket
    FOR EACH ROW WHEN (OLD.status IN {COUNTED} OR NEW.status IN {COUNTED})
    EXECUTE FUNCTION tickets_open_count_delta();
CREATE TRIGGER tickets_open_count_delete AFTER DELETE ON tickets_ticket
    FOR EACH ROW WHEN (OLD.status IN {COUNTED}) EXECUTE FUNCTION tickets_open_count_delta();
CREATE TRIGGER tickets_open_count_truncate AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_open_count_reset();

INSERT INTO tickets_opencount ({KEY}, n)
SELECT unit_id, owner_unit_id, policy, "type", stage, status, tickets_due_hour(status, due_at), COUNT(*)
FROM tickets_ticket WHERE status IN {COUNTED}
GROUP BY unit_id, owner_unit_id, policy, "type", stage, status, tickets_due_hour(status, due_at);
INSERT INTO tickets_opencountfold (id, horizon) VALUES (1, 0);
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS tickets_open_count_insert ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_open_count_update ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_open_count_delete ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_open_count_truncate ON tickets_ticket;
DROP FUNCTION IF EXISTS tickets_open_count_reset();
DROP FUNCTION IF EXISTS tickets_open_count_delta();
DROP FUNCTION IF EXISTS tickets_due_hour(varchar, timestamptz);
"""


def sqlite_hour(row: str) -> str:
    return (
        f"CASE WHEN {row}.status = 'open' AND {row}.due_at IS NOT NULL"
        f" THEN CAST(strftime('%s', {row}.due_at) AS INTEGER) / 3600 ELSE {NEVER} END"
    )


def sqlite_values(row: str, n: int) -> str:
    columns = ("unit_id", "owner_unit_id", "policy", "type", "stage", "status")
    return ", ".join([*(f"{row}.{c}" for c in columns), sqlite_hour(row), str(n)])


SQLITE_UP = [
    f"""CREATE TRIGGER tickets_open_count_insert AFTER INSERT ON tickets_ticket
    WHEN NEW.status IN {COUNTED}
    BEGIN
        INSERT INTO tickets_opencountdelta ({KEY}, n) VALUES ({sqlite_values("NEW", 1)});
    END""",
    f"""CREATE TRIGGER tickets_open_count_update
    AFTER UPDATE OF unit_id, owner_unit_id, policy, "type", stage, status, due_at ON tickets_ticket
    WHEN (OLD.status IN {COUNTED} OR NEW.status IN {COUNTED})
        AND NOT (OLD.status IS NEW.status AND OLD.stage IS NEW.stage AND OLD.unit_id IS NEW.unit_id
                 AND OLD.owner_unit_id IS NEW.owner_unit_id AND OLD.policy IS NEW.policy
                 AND OLD.type IS NEW.type AND ({sqlite_hour("OLD")}) IS ({sqlite_hour("NEW")}))
    BEGIN
        INSERT INTO tickets_opencountdelta ({KEY}, n)
            SELECT {sqlite_values("OLD", -1)} WHERE OLD.status IN {COUNTED};
        INSERT INTO tickets_opencountdelta ({KEY}, n)
            SELECT {sqlite_values("NEW", 1)} WHERE NEW.status IN {COUNTED};
    END""",
    # one trigger, so the reset runs after the last row's -1 (trigger order is not fixed)
    f"""CREATE TRIGGER tickets_open_count_delete AFTER DELETE ON tickets_ticket
    BEGIN
        INSERT INTO tickets_opencountdelta ({KEY}, n)
            SELECT {sqlite_values("OLD", -1)} WHERE OLD.status IN {COUNTED};
        DELETE FROM tickets_opencountdelta WHERE NOT EXISTS (SELECT 1 FROM tickets_ticket);
        DELETE FROM tickets_opencount WHERE NOT EXISTS (SELECT 1 FROM tickets_ticket);
    END""",
    f"""INSERT INTO tickets_opencount ({KEY}, n)
    SELECT unit_id, owner_unit_id, policy, "type", stage, status, due_hour, COUNT(*) FROM (
        SELECT unit_id, owner_unit_id, policy, "type", stage, status,
               {sqlite_hour("tickets_ticket")} AS due_hour
        FROM tickets_ticket WHERE status IN {COUNTED}
    ) GROUP BY unit_id, owner_unit_id, policy, "type", stage, status, due_hour""",
    "INSERT INTO tickets_opencountfold (id, horizon) VALUES (1, 0)",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tickets_open_count_insert",
    "DROP TRIGGER IF EXISTS tickets_open_count_update",
    "DROP TRIGGER IF EXISTS tickets_open_count_delete",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    else:
        for sql in SQLITE_UP:
            schema_editor.execute(sql, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    else:
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_ticket_claimed_amount_upgraded_via")]

    operations = [
        migrations.CreateModel(
            name="OpenCountDelta",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit_id", models.BigIntegerField(verbose_name="当前责任单位")),
                ("owner_unit_id", models.BigIntegerField(verbose_name="受理单位")),
                ("policy", models.CharField(max_length=32, verbose_name="政策包")),
                ("type", models.CharField(max_length=16, verbose_name="诉求类型")),
                ("stage", models.CharField(max_length=32, verbose_name="当前环节")),
                ("status", models.CharField(max_length=12, verbose_name="状态")),
                ("due_hour", models.IntegerField(verbose_name="时限所在小时")),
                ("n", models.SmallIntegerField(verbose_name="增减")),
            ],
            options={
                "verbose_name": "在办工单计数增量",
                "verbose_name_plural": "在办工单计数增量",
            },
        ),
        migrations.CreateModel(
            name="OpenCountFold",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("horizon", models.IntegerField(default=0, verbose_name="合并界限(小时)")),
                ("folded_at", models.DateTimeField(blank=True, null=True, verbose_name="最近合并时间")),
            ],
            options={
                "verbose_name": "在办工单计数合并",
                "verbose_name_plural": "在办工单计数合并",
            },
        ),
        migrations.CreateModel(
            name="OpenCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit_id", models.BigIntegerField(verbose_name="当前责任单位")),
                ("owner_unit_id", models.BigIntegerField(verbose_name="受理单位")),
                ("policy", models.CharField(max_length=32, verbose_name="政策包")),
                ("type", models.CharField(max_length=16, verbose_name="诉求类型")),
                ("stage", models.CharField(max_length=32, verbose_name="当前环节")),
                ("status", models.CharField(max_length=12, verbose_name="状态")),
                ("due_hour", models.IntegerField(verbose_name="时限所在小时")),
                ("n", models.IntegerField(verbose_name="工单数")),
            ],
            options={
                "verbose_name": "在办工单计数",
                "verbose_name_plural": "在办工单计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit_id", "owner_unit_id", "policy", "type", "stage", "status", "due_hour"),
                        name="opencount_key",
                    )
                ],
            },
        ),
        migrations.RunPython(up, down),
        # approvals (a few stages; the pending requests) and the board's scope: ADR 0026
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["ticket"], name="extension_pending"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "suspended"])),
                fields=["stage", "policy", "due_at"],
                name="ticket_open_stage",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "suspended"])),
                fields=["registered_by", "owner_unit"],
                name="ticket_open_registered",
            ),
        ),
    ]
