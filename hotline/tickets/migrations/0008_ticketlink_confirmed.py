from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_ticket_source")]

    operations = [
        migrations.AddField(
            model_name="ticketlink",
            name="confirmed",
            field=models.BooleanField(default=True, help_text="系统识别的关联待人工确认", verbose_name="已确认"),
        ),
    ]
