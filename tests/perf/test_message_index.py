"""A mail answering one of ours is matched to the e-mail we sent by its Message-ID
(``mailin.services._ticket_of_sent``): the partial index ``message_sent_email_id`` serves
that lookup, so it does not scan the outbox (see tests/perf/test_indexes.py for the method)."""

from __future__ import annotations

import pytest
from django.db import connection

from hotline.notify.models import Message, MessageChannel
from tests.factories import register
from tests.perf.test_indexes import index_scans

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans need PostgreSQL")


def test_a_reply_finds_our_sent_mail_through_its_index(users):
    ticket = register(users["agent"])
    Message.objects.bulk_create(
        [
            Message(
                ticket=ticket,
                kind="receipt",
                channel=MessageChannel.EMAIL,
                address=f"c{i}@example.cn",
                subject="s",
                body="b",
                idempotency_key=f"probe/{i}",
                batch_key=f"probe/{i}",
                provider_message_id=f"<{i}.probe@hotline.notify>" if i % 2 else "",
            )
            for i in range(200)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notify_message")
        cursor.execute("SET LOCAL enable_seqscan = off")
    ids = ["<7.probe@hotline.notify>", "<9.probe@hotline.notify>"]
    sent = Message.objects.filter(channel=MessageChannel.EMAIL, ticket__isnull=False)
    qs = sent.filter(provider_message_id__in=ids)
    assert "message_sent_email_id" in index_scans(qs)
    assert qs.count() == 2
