"""The batches on the workbench: the coordinator confirms on the batch's page; a handler gets
the same 404 page for a batch it may not see as for a missing one, and no batch list."""

from __future__ import annotations

from django.test import Client

from hotline.similar.models import Batch, BatchStatus
from tests.similar.test_batches_api import _five


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_coordinator_confirms_on_the_page_and_others_see_nothing(users, registered):
    tickets = _five(users, registered)
    [batch] = Batch.objects.all()
    coordinator = _client(users["coordinator"])
    listed = coordinator.get("/batches/").content.decode()
    assert f'data-batch="{batch.pk}"' in listed
    page = coordinator.get(f"/batches/{batch.pk}/").content.decode()
    assert 'id="batch-confirm"' in page and all(t.number in page for t in tickets)
    done = coordinator.post(f"/batches/{batch.pk}/confirm/", {"version": batch.version, "parent": ""})
    assert done.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONFIRMED and batch.parent_id == tickets[0].pk
    stale = coordinator.post(f"/batches/{batch.pk}/dismiss/", {"version": 1})
    assert stale.status_code == 302  # back to the page with the reason; nothing changed
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONFIRMED

    handler = _client(users["handler2"])
    assert handler.get("/batches/").status_code == 403
    hidden, missing = handler.get(f"/batches/{batch.pk}/"), handler.get(f"/batches/{batch.pk + 50}/")
    assert hidden.status_code == missing.status_code == 404
    assert handler.post(f"/batches/{batch.pk}/dismiss/").status_code == 404
    assert coordinator.get("/batches/x/").status_code == 404
