from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from hotline.tickets.models import AppendOnlyError, TicketEvent
from tests.factories import register


def test_an_event_cannot_be_changed_or_deleted_through_the_model(users):
    event = register(users["agent"]).events.get()
    event.comment = "改写历史"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_updates_to_history(users):
    register(users["agent"])
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.update(comment="改写历史")
    assert not TicketEvent.objects.filter(comment="改写历史").exists()


@pytest.mark.postgres_only
def test_postgresql_refuses_deleting_history(users):
    register(users["agent"])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_ticketevent")
    assert TicketEvent.objects.count() == 1
