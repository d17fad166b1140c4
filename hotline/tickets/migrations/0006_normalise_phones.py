"""Complainants' phone numbers in the one stored form of ``hotline.core.phones``.

Until now ``Ticket.complainant_phone`` held what was typed (``138 1234 5678``,
``+86-138…``, ``0571-8888 1234``), so a caller's history, the blocklist and the API's phone
filter each had to guess. Now every write stores ``normalise_phone``'s E.164
(``+8613812345678``; a fixed line's extension as ``;ext=123``).

Forwards: each number is normalised, in batches of ``BATCH`` rows by primary key, each batch
its own transaction (the migration is not atomic, so a large table is not one long
transaction; it can be run again, since normalising is idempotent). A value that cannot be
parsed as a mainland mobile or fixed-line number is kept exactly as it is: never lose data.

Backwards: the stored form becomes the plain digits dialled inside China (``13812345678``,
``01012345678``, an extension after ``-``). The spacing people originally typed is not
recorded anywhere and cannot come back; plain digits are what the old code matched best.
"""

from django.db import migrations, transaction

from hotline.core.errors import InvalidInput
from hotline.core.phones import EXTENSION_MARK, national_number, normalise_phone

BATCH = 2000


def _normalised(phone):
    try:
        return normalise_phone(phone)
    except InvalidInput:
        return phone  # not a number we can read: keep it as typed


def _national(phone):
    if not phone.startswith("+86"):
        return phone
    line, _, extension = phone.partition(EXTENSION_MARK)
    national = national_number(line)
    return f"{national}-{extension}" if extension else national


def _rewrite(apps, schema_editor, convert):
    Ticket = apps.get_model("tickets", "Ticket")
    rows = Ticket.objects.using(schema_editor.connection.alias).exclude(complainant_phone="")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", "complainant_phone")[:BATCH])
        if not batch:
            return
        last = batch[-1][0]
        changed = []
        for pk, phone in batch:
            new = convert(phone)
            if new and new != phone:
                changed.append(Ticket(pk=pk, complainant_phone=new))
        if changed:
            with transaction.atomic(using=schema_editor.connection.alias):
                Ticket.objects.using(schema_editor.connection.alias).bulk_update(
                    changed, ["complainant_phone"], batch_size=BATCH
                )


def forwards(apps, schema_editor):
    _rewrite(apps, schema_editor, _normalised)


def backwards(apps, schema_editor):
    _rewrite(apps, schema_editor, _national)


class Migration(migrations.Migration):
    atomic = False  # one transaction per batch (see the module's docstring)

    dependencies = [
        ("tickets", "0005_ticket_anchors_instruction_occurred_on"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
