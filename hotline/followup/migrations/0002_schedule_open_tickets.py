"""Schedule every ticket already open, so the first sweep computes its reminder points."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def schedule_open(apps: Any, schema_editor: Any) -> None:
    Ticket = apps.get_model("tickets", "Ticket")
    SweepSchedule = apps.get_model("followup", "SweepSchedule")
    now = timezone.now()
    open_ids = Ticket.objects.filter(status__in=["open", "suspended"]).values_list("pk", flat=True)
    batch: list[Any] = []
    for pk in open_ids.iterator():
        batch.append(SweepSchedule(ticket_id=pk, next_at=now))
        if len(batch) >= 1000:
            SweepSchedule.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    SweepSchedule.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_sweep_and_return_visits")]

    operations = [migrations.RunPython(schedule_open, migrations.RunPython.noop)]
