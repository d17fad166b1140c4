"""A partial index on dead messages: /metrics counts them on every scrape (hotline.ops)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_scrub_addresses_from_last_error"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(condition=models.Q(("status", "dead")), fields=["created_at"], name="message_dead"),
        ),
    ]
