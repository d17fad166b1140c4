"""``/api/v1/batches/``: scoped lists, the same 404 for a missing and a hidden batch, problem
details for bad input, and a refused or stale decision changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hotline.similar.models import Batch, BatchStatus
from hotline.tickets.models import Ticket
from hotline.workflow.drafts import Respondent


def _five(users, registered) -> list[Ticket]:
    start = timezone.now() - timedelta(minutes=30)
    return [
        registered(
            users["agent"],
            now=start + timedelta(minutes=i),
            subject="烧烤店油烟扰民",
            description=f"楼下烧烤店每晚油烟很大,第{i}次反映。",
            complainant__phone=f"1360000{i:04d}",
            complainant__email="",
            complainant__id_number="",
            respondent=Respondent(name="老王烧烤", address="东湖路8号"),
        )
        for i in range(5)
    ]


def test_lists_are_scoped_and_hidden_is_missing(users, registered, api):
    _five(users, registered)
    [batch] = Batch.objects.all()
    assert api(users["coordinator"]).get("/api/v1/batches/").json()["count"] == 1
    assert api(users["head2"]).get("/api/v1/batches/").json()["count"] == 0  # none of its tickets
    hidden = api(users["head2"]).get(f"/api/v1/batches/{batch.pk}/")
    missing = api(users["head2"]).get(f"/api/v1/batches/{batch.pk + 100}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"] == "batch_not_found"
    refused = api(users["head2"]).post(f"/api/v1/batches/{batch.pk}/confirm/", {}, format="json")
    assert refused.status_code == 404
    assert api(None).get("/api/v1/batches/").status_code in (401, 403)


def test_bad_input_is_a_problem_and_a_refusal_changes_nothing(users, registered, api):
    tickets = _five(users, registered)
    [batch] = Batch.objects.all()
    coordinator = api(users["coordinator"])
    bad = coordinator.get("/api/v1/batches/", {"status": "nonsense"})
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"
    outsider = coordinator.post(f"/api/v1/batches/{batch.pk}/confirm/", {"parent": "12345678"}, format="json")
    assert outsider.status_code == 400 and outsider.json()["code"] == "batch_parent_invalid"
    unknown = coordinator.post(f"/api/v1/batches/{batch.pk}/confirm/", {"parents": "x"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_field"
    stale = coordinator.post(f"/api/v1/batches/{batch.pk}/confirm/", {"version": 99}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    agent = api(users["agent"]).post(f"/api/v1/batches/{batch.pk}/confirm/", {}, format="json")
    assert agent.status_code == 403 and agent.json()["code"] == "batch_forbidden"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUGGESTED and batch.parent is None
    assert {Ticket.objects.get(pk=t.pk).status for t in tickets} == {"open"}
    assert not any(t.events.filter(action__in=["confirm_batch", "join_batch"]).exists() for t in tickets)

    chosen = coordinator.post(
        f"/api/v1/batches/{batch.pk}/confirm/", {"parent": tickets[2].number}, format="json"
    )
    assert chosen.status_code == 200 and chosen.json()["parent"] == tickets[2].number
    again = coordinator.post(f"/api/v1/batches/{batch.pk}/confirm/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "no_change"
    dismiss = coordinator.post(f"/api/v1/batches/{batch.pk}/dismiss/", {}, format="json")
    assert dismiss.status_code == 409 and dismiss.json()["code"] == "batch_wrong_status"


def test_a_dismissed_batch_quietly_keeps_its_later_tickets(users, registered, api):
    _five(users, registered)
    [batch] = Batch.objects.all()
    assert (
        api(users["leader"]).post(f"/api/v1/batches/{batch.pk}/dismiss/", {}, format="json").status_code
        == 200
    )
    registered(
        users["agent"],
        subject="烧烤店油烟扰民",
        description="楼下烧烤店每晚油烟很大。",
        complainant__phone="13600009999",
        complainant__email="",
        complainant__id_number="",
        respondent=Respondent(name="老王烧烤"),
    )
    assert Batch.objects.count() == 1 and batch.members.count() == 6
    assert api(users["coordinator"]).get("/api/v1/batches/").json()["count"] == 0
    listed = api(users["coordinator"]).get("/api/v1/batches/", {"status": "dismissed"}).json()
    assert [b["id"] for b in listed["results"]] == [batch.pk]
