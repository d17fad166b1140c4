"""Remove recipients' addresses from stored error text (``Message.last_error``).

Before this fix an SMTP refusal stored the refused address in the error, where the ticket
page showed it, even for a confidential reporter. Each row's own ``address`` is replaced
by ``***`` (case-insensitively); new errors are written without it (``delivery.redact``).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import migrations
from django.db.models import F

BATCH = 500


def scrub(apps: Any, schema_editor: Any) -> None:
    Message = apps.get_model("notify", "Message")
    pks = list(
        Message.objects.exclude(address="")
        .exclude(last_error="")
        .filter(last_error__icontains=F("address"))
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pks), BATCH):
        rows = list(Message.objects.filter(pk__in=pks[start : start + BATCH]).only("address", "last_error"))
        for row in rows:
            row.last_error = re.sub(re.escape(row.address), "***", row.last_error, flags=re.IGNORECASE)
        Message.objects.bulk_update(rows, ["last_error"])


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_outbox_message")]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop, elidable=True)]
