"""The default scoring rule, so that scorecards work before the organisation sets its own.

Its values are the model's defaults (weights 25 × 4; deductions 2 per overdue, 2 per
dissatisfied, 1 per return, 2 per repeated problem, 5 per severe one — three times in a
month, as in the source documents — and 3 per overdue rectification notice). The admin
edits it; a later migration never overwrites it.
"""

from django.db import migrations


def create_default(apps, schema_editor):
    ScoringRule = apps.get_model("assessment", "ScoringRule")
    if not ScoringRule.objects.filter(unit__isnull=True).exists():
        ScoringRule.objects.create(
            name="默认考核评分规则",
            unit=None,
            active=True,
            note="系统预置:四项比率各 25 分;超期、不满意每件扣 2 分,退单每件扣 1 分;"
            "重复问题每个扣 2 分,当月发生 3 次及以上为严重,扣 5 分;整改超期每件扣 3 分。",
        )


def remove_default(apps, schema_editor):
    ScoringRule = apps.get_model("assessment", "ScoringRule")
    ScoringRule.objects.filter(unit__isnull=True, name="默认考核评分规则").delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(create_default, remove_default)]
