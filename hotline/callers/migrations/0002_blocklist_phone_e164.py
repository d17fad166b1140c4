"""Blocklist entries store the line in E.164 (``+8613812345678``) instead of bare digits.

Before, entries held ``13812345678`` (digits, ``+86``/``0086`` cut off), and other ways of
typing one number (``8613812345678``) made different entries. Now ``hotline.core.phones``
parses every number, and entries hold ``phone_line``: E.164, no extension.

Forwards: each entry's number becomes its line. A value that cannot be parsed is kept as it
is (never lose data). When two entries in force (or two pending requests) turn out to be the
same line, the first keeps it and the later one keeps its old value, so the "one active
entry / one request per number" constraints hold; the line stays blocked by the first.

Backwards: the line goes back to the digits the old code stored (``13812345678``,
``01012345678`` for a fixed line), which is what the old normaliser produced, so rolling the
code back keeps the blocklist working.
"""

from django.db import migrations, models

from hotline.core.phones import national_number, phone_line

BATCH = 1000
ONE_PER_PHONE = ("active", "requested")  # the statuses with a unique constraint on phone


def _rewrite(apps, convert):
    Entry = apps.get_model("callers", "BlocklistEntry")
    rows = list(Entry.objects.order_by("pk").values_list("pk", "phone", "status"))
    taken = {(status, phone) for _, phone, status in rows if status in ONE_PER_PHONE}
    changed = []
    for pk, phone, status in rows:
        new = convert(phone)
        if not new or new == phone:
            continue
        if status in ONE_PER_PHONE:
            if (status, new) in taken:
                continue  # another entry already holds this number: keep this one as it was
            taken.discard((status, phone))
            taken.add((status, new))
        changed.append(Entry(pk=pk, phone=new))
    Entry.objects.bulk_update(changed, ["phone"], batch_size=BATCH)


def forwards(apps, schema_editor):
    _rewrite(apps, phone_line)


def backwards(apps, schema_editor):
    _rewrite(apps, lambda phone: national_number(phone) if phone.startswith("+86") else phone)


class Migration(migrations.Migration):
    dependencies = [
        ("callers", "0001_blocklist"),
    ]

    operations = [
        migrations.AlterField(
            model_name="blocklistentry",
            name="phone",
            field=models.CharField(
                help_text="规范化后的号码(E.164,如 +8613812345678;不含分机号)", max_length=32, verbose_name="号码"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
