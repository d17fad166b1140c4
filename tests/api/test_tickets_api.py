from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import register

NEW = {
    "type": "complaint",
    "channel": "phone",
    "policy": "enterprise",
    "subject": "超市标价与结算价格不一致",
    "description": "货架标价59.9元,结账按69.9元收取。",
    "demand": "退还多收款项",
    "complainant": {"name": "张三", "phone": "13812345678", "anonymous": False},
    "respondent": {"name": "某连锁超市", "address": "西山大道8号"},
    "category": "product.price",
    "severity": "normal",
}


def test_create_returns_the_ticket_with_number_deadlines_and_allowed_actions(users, api):
    response = api(users["agent"]).post("/api/v1/tickets/", NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    for key in (
        "number",
        "status",
        "stage",
        "round",
        "due_at",
        "final_due_at",
        "deadline_provisional",
        "allowed_actions",
        "query_code",
    ):
        assert key in body
    assert body["status"] == "open"
    assert body["round"] == 0
    assert body["complainant"]["phone"] == "+8613812345678"  # stored normalised (E.164)
    assert body["allowed_actions"]
    assert Ticket.objects.get(number=body["number"]).category.code == "product.price"


def test_bad_create_writes_nothing(users, api):
    response = api(users["agent"]).post("/api/v1/tickets/", {**NEW, "category": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_category"
    assert Ticket.objects.count() == 0


def test_lists_are_scoped_to_what_the_user_may_see(users, api):
    ticket = register(users["agent"], policy="enterprise")
    # dispatched to 东湖区市场监管局: its head sees it, 西山县住建局's head does not
    from tests.helpers import act

    act(ticket, "accept", users["coordinator"]) if "accept" in _allowed(
        ticket, users["coordinator"]
    ) else None
    ticket.refresh_from_db()
    act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    assert _numbers(api(users["head"]).get("/api/v1/tickets/")) == [ticket.number]
    assert _numbers(api(users["head2"]).get("/api/v1/tickets/")) == []
    assert api(users["head2"]).get(f"/api/v1/tickets/{ticket.number}/").status_code == 404
    assert _numbers(api(users["coordinator"]).get("/api/v1/tickets/")) == [ticket.number]


def _allowed(ticket, user):
    from hotline.workflow.services import allowed_actions

    return allowed_actions(ticket, user)


def _numbers(response):
    assert response.status_code == 200, response.json()
    return [t["number"] for t in response.json()["results"]]


def test_filters(users, api):
    a = register(users["agent"], complainant__phone="13900000001")
    b = register(users["agent"], type="consultation", complainant__phone="13900000002")
    client = api(users["coordinator"])
    assert _numbers(client.get("/api/v1/tickets/?phone=13900000001")) == [a.number]
    assert _numbers(client.get("/api/v1/tickets/?type=consultation")) == [b.number]
    assert set(_numbers(client.get("/api/v1/tickets/?status=open"))) == {a.number, b.number}
    assert _numbers(client.get("/api/v1/tickets/?status=closed")) == []
    later = (timezone.now() + timedelta(days=400)).isoformat()
    assert set(_numbers(client.get("/api/v1/tickets/", {"due_before": later}))) == {a.number, b.number}
    assert _numbers(client.get("/api/v1/tickets/?overdue=true")) == []
    assert set(_numbers(client.get("/api/v1/tickets/?unit=JZ-C"))) == {a.number, b.number}
    assert client.get("/api/v1/tickets/?due_before=yesterday").status_code == 400


def test_phone_search_does_not_reveal_confidential_reports(users, api):
    register(users["agent"], type="report", complainant__phone="13700000000")
    assert _numbers(api(users["coordinator"]).get("/api/v1/tickets/?phone=13700000000")) == []


def test_list_query_count_does_not_grow_with_the_page(users, api, django_assert_max_num_queries):
    for _ in range(3):
        register(users["agent"])
    client = api(users["coordinator"])
    with django_assert_max_num_queries(8) as few:
        client.get("/api/v1/tickets/")
    for _ in range(12):
        register(users["agent"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_numbers(client.get("/api/v1/tickets/"))) == 15


def test_history_lists_every_event_in_order(users, api):
    ticket = register(users["agent"])
    response = api(users["coordinator"]).get(f"/api/v1/tickets/{ticket.number}/history/")
    assert response.status_code == 200
    events = response.json()
    assert [e["action"] for e in events] == ["register"]
    assert events[0]["actor"] == "agent"


def test_attachment_upload_respects_type_and_size(users, api, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.HOTLINE_ATTACHMENT_MAX_BYTES = 1024
    ticket = register(users["agent"])
    client = api(users["agent"])
    url = f"/api/v1/tickets/{ticket.number}/attachments/"
    ok = client.post(url, {"file": SimpleUploadedFile("发票.pdf", b"%PDF-1.4 test")}, format="multipart")
    assert ok.status_code == 201, ok.json()
    bad_type = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, format="multipart")
    assert bad_type.status_code == 400 and bad_type.json()["code"] == "attachment_type"
    too_big = client.post(url, {"file": SimpleUploadedFile("big.pdf", b"0" * 2048)}, format="multipart")
    assert too_big.status_code == 400 and too_big.json()["code"] == "attachment_too_large"
    assert ticket.attachments.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, action="attach").count() == 1


@pytest.mark.parametrize("offset", ["+19:20", "-23:59", "+00:00"])
def test_time_filters_accept_any_iso_offset(users, api, offset):
    """ISO allows offsets PostgreSQL refuses (beyond ±15:59): they are turned into UTC first."""
    response = api(users["coordinator"]).get(
        "/api/v1/tickets/", {"received_before": f"0140-10-05T00:35:52.999{offset}", "status": "suspended"}
    )
    assert response.status_code == 200, response.content


def test_a_time_out_of_range_is_a_bad_request(users, api):
    response = api(users["coordinator"]).get(
        "/api/v1/tickets/", {"received_after": "0001-01-01T00:00:00+10:00"}
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_the_date_the_matter_happened_is_taken_and_shown(users, api):
    day = timezone.localdate() - timedelta(days=30)
    client = api(users["agent"])
    created = client.post("/api/v1/tickets/", {**NEW, "occurred_on": day.isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["occurred_on"] == day.isoformat()
    detail = client.get(f"/api/v1/tickets/{created.json()['number']}/").json()
    assert detail["occurred_on"] == day.isoformat()
    assert Ticket.objects.get(number=detail["number"]).occurred_on == day


def test_without_a_date_the_matter_happened_it_is_null(users, api):
    created = api(users["agent"]).post("/api/v1/tickets/", NEW, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["occurred_on"] is None


def test_a_date_in_the_future_is_refused(users, api):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = api(users["agent"]).post(
        "/api/v1/tickets/", {**NEW, "occurred_on": tomorrow.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("occurred_in_future", "occurred_on")
    assert Ticket.objects.count() == 0
