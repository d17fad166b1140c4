from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_ticketlink_confirmed"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="claimed_amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="诉求人要求赔偿的金额;超过政策包规定的金额为重大投诉",
                max_digits=14,
                null=True,
                verbose_name="索赔金额(元)",
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="upgraded_via",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "非越级"),
                    ("regulator", "监管部门/消协"),
                    ("hotline_12345", "12345热线"),
                    ("media", "新闻媒体"),
                    ("leader", "领导批转"),
                ],
                help_text="越级投诉:诉求人已向监管部门、12345、媒体或领导反映",
                max_length=16,
                verbose_name="越级来源",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("upgraded_via", ""), _negated=True),
                fields=["upgraded_via", "received_at"],
                name="ticket_upgraded",
            ),
        ),
    ]
