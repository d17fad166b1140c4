"""Seed the default working periods 08:30–12:00 and 13:30–17:30 (Beijing time)."""

from datetime import time

from django.db import migrations

DEFAULTS = [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))]


def seed(apps, schema_editor):
    WorkingPeriod = apps.get_model("workcal", "WorkingPeriod")
    if not WorkingPeriod.objects.exists():
        WorkingPeriod.objects.bulk_create([WorkingPeriod(start=s, end=e) for s, e in DEFAULTS])


def unseed(apps, schema_editor):
    WorkingPeriod = apps.get_model("workcal", "WorkingPeriod")
    for start, end in DEFAULTS:
        WorkingPeriod.objects.filter(start=start, end=end).delete()


class Migration(migrations.Migration):
    dependencies = [("workcal", "0002_load_official_days_2004_2026")]

    operations = [migrations.RunPython(seed, unseed)]
