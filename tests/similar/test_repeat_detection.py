"""A second complaint from the same caller about the same matter is flagged as a repeat
(``repeat_of``, unconfirmed); a different matter, a different caller, a complaint outside
the pack's window and a confidential ticket are not; a crash between the registration and
its detection still flags it later (the sweep)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hotline.similar.detection import detect_pending
from hotline.similar.models import Pending, Signature
from hotline.tickets.models import LinkKind, Ticket, TicketLink
from hotline.workflow.drafts import Respondent
from tests.factories import register
from tests.similar.conftest import milk

AGAIN = {
    "subject": "再次投诉华联超市",
    "description": "上次投诉华联超市卖过期牛奶的事情到现在还没有处理,超市还在卖过期食品。",
}


def _repeat_links(ticket: Ticket) -> list[TicketLink]:
    return list(TicketLink.objects.filter(ticket=ticket, kind=LinkKind.REPEAT_OF))


def test_second_complaint_of_the_same_caller_about_the_same_shop_is_flagged(users, registered, api):
    first = registered(users["agent"], **milk())
    second = registered(users["agent"], **milk(**AGAIN))
    [link] = _repeat_links(second)
    assert (link.target_id, link.confirmed) == (first.pk, False)
    event = second.events.get(action="flag_repeat")
    assert event.payload["number"] == first.number and event.payload["matched_by"] == ["phone"]
    assert 0.3 <= event.payload["similarity"] <= 1
    assert _repeat_links(first) == [] and not Pending.objects.exists()
    detail = api(users["coordinator"]).get(f"/api/v1/tickets/{second.number}/").json()
    assert detail["links"] == [
        {"id": link.pk, "kind": "repeat_of", "number": first.number, "confirmed": False}
    ]


def test_the_caller_is_known_by_email_too(users, registered):
    first = registered(users["agent"], **milk(phone="", channel="email", complainant__email="a@example.com"))
    second = registered(
        users["agent"], **milk(phone="13822220002", complainant__email="A@example.com ", **AGAIN)
    )
    [link] = _repeat_links(second)
    assert link.target_id == first.pk
    assert second.events.get(action="flag_repeat").payload["matched_by"] == ["email"]


def test_not_flagged_for_another_matter_another_caller_or_outside_the_window(users, registered):
    now = timezone.now()
    registered(users["agent"], now=now - timedelta(days=40), **milk(phone="13833330003"))
    late = registered(users["agent"], **milk(phone="13833330003", **AGAIN))  # 40 days later: pack says 30
    registered(users["agent"], **milk(phone="13844440004"))
    other_matter = registered(
        users["agent"],
        subject="小区物业乱收停车费",
        description="阳光物业每月多收停车费200元,要求退还。",
        complainant__phone="13844440004",
        respondent=Respondent(name="阳光物业"),
    )
    other_caller = registered(users["agent"], **milk(phone="13855550005", **AGAIN))
    for ticket in (late, other_matter, other_caller):
        assert _repeat_links(ticket) == [], ticket.subject
        assert not ticket.events.filter(action="flag_repeat").exists()
    assert Signature.objects.count() == 5


def test_confidential_tickets_are_neither_flagged_nor_found(users, registered):
    registered(users["agent"], **milk(phone="13866660006"))
    report = registered(users["agent"], type="report", **milk(phone="13866660006", **AGAIN))
    assert report.confidential and _repeat_links(report) == []
    assert not Signature.objects.filter(ticket=report).exists() and not Pending.objects.exists()


def test_a_crash_between_registration_and_detection_still_flags_later(users, registered):
    first = registered(users["agent"], **milk(phone="13877770007"))
    # the process dies after the commit: the after-commit hooks never run
    second = register(users["agent"], **milk(phone="13877770007", **AGAIN))
    assert Pending.objects.filter(ticket=second).exists() and _repeat_links(second) == []
    assert detect_pending(now=timezone.now()) == 0  # the hook's turn first (30 s)
    assert detect_pending(now=timezone.now() + timedelta(minutes=1)) == 1
    [link] = _repeat_links(second)
    assert link.target_id == first.pk and not Pending.objects.exists()
    assert detect_pending(now=timezone.now() + timedelta(minutes=2)) == 0  # once only
    assert TicketLink.objects.filter(ticket=second).count() == 1


def test_tickets_from_the_api_and_the_portal_are_flagged(users, api, django_capture_on_commit_callbacks):
    body = {
        "type": "complaint",
        "channel": "phone",
        "subject": "华联超市卖过期牛奶",
        "description": "我在华联超市买的牛奶过期了,超市拒绝退货,要求赔偿。",
        "complainant": {"name": "张三", "phone": "13888880008"},
        "respondent": {"name": "华联超市"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = api(users["agent"]).post("/api/v1/tickets/", body, format="json")
    assert first.status_code == 201, first.json()
    public = {
        "type": "complaint",
        "name": "张三",
        "phone": "13888880008",
        "respondent_name": "华联超市",
        **AGAIN,
    }
    with django_capture_on_commit_callbacks(execute=True):
        second = api().post("/api/v1/public/submissions/", public, format="json")
    assert second.status_code == 201, second.json()
    ticket = Ticket.objects.get(number=second.json()["number"])
    [link] = _repeat_links(ticket)
    assert link.target.number == first.json()["number"] and not link.confirmed
