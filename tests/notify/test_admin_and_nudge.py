"""The outbox admin (read-only, re-queue) and the enqueue on commit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.notify.models import Message
from tests.factories import PersonFactory, register


def test_admin_lists_messages_in_chinese_and_requeues_dead_ones(users):
    ticket = register(users["agent"], complainant=PersonFactory(phone="13800001111", email=""))
    row = Message.objects.get(ticket=ticket)
    Message.objects.filter(pk=row.pk).update(status="dead", attempts=8, last_error="x")
    client = Client()
    client.force_login(users["admin"])
    url = reverse("admin:notify_message_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert "消息" in page.content.decode() and "发送失败,已放弃" in page.content.decode()
    assert client.get(reverse("admin:notify_message_change", args=[row.pk])).status_code == 200
    answer = client.post(url, {"action": "requeue", "_selected_action": [row.pk]})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)


def test_admin_cannot_add_or_delete_messages(users):
    client = Client()
    client.force_login(users["admin"])
    assert client.get(reverse("admin:notify_message_add")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_commit_enqueues_a_delivery_run(org):
    import hotline.notify.tasks  # noqa: F401  (registers the task names)
    from hotline.jobs.queue import huey

    def runs() -> int:
        return sum(1 for t in huey.pending() if t.name.endswith("deliver_messages"))

    before = runs()
    register(org.users["agent"], complainant=PersonFactory(phone="13800001111", email=""))
    assert runs() == before + 1
