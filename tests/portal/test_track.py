"""Following a matter by number and query code: public progress only, one generic refusal."""

from __future__ import annotations

from django.utils import timezone

from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import register
from tests.helpers import act
from tests.portal.conftest import submitted_receipt, to_replied


def track(client, number, code, **extra):
    return client.post("/public/track/", {"number": number, "code": code}, **extra)


def test_progress_shows_public_stage_and_events(org, client):
    number, code = submitted_receipt(client)
    response = track(client, number, code)

    assert response.status_code == 200
    progress = response.context["progress"]
    assert (progress.number, progress.stage, progress.closed) == (number, "已登记", False)
    assert [r.action for r in progress.replies] == ["register"]
    assert "已收到您的诉求" in response.content.decode()


def test_progress_hides_identity_staff_and_internal_notes(org, client):
    users = org.users
    number, code = submitted_receipt(client)
    ticket = Ticket.objects.get(number=number)
    ticket = act(ticket, "accept", users["coordinator"], comment="内部备注:老客户")
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    act(ticket, "return", users["head"], reason="内部:不属于我单位")

    page = track(client, number, code).content.decode()
    for secret in (
        "张三",
        "13812345678",
        "zhangsan",
        "内部",
        "李建国",
        "陈志强",
        "coordinator",
        "东湖路超市",
    ):
        assert secret not in page, secret
    assert "已受理" in page


def test_a_closed_ticket_shows_its_result(org, client):
    users = org.users
    number, code = submitted_receipt(client)
    ticket = to_replied(Ticket.objects.get(number=number), users, result="已责令超市退款")
    act(ticket, "close", users["coordinator"], result="超市已退款,本件办结")

    response = track(client, number, code)
    progress = response.context["progress"]
    assert progress.closed and progress.result == "超市已退款,本件办结"
    assert 'id="progress-result"' in response.content.decode()


def test_wrong_code_and_unknown_number_get_the_same_answer(org, client):
    number, code = submitted_receipt(client)
    wrong_code = "000000" if code != "000000" else "111111"
    wrong = track(client, number, wrong_code)
    missing = track(client, "20990101000001", code)

    assert wrong.status_code == missing.status_code == 200
    assert wrong.context["error"] == missing.context["error"] == "工单编号或查询码不正确,请核对后重试。"
    assert wrong.context["progress"] is None and missing.context["progress"] is None


def test_lookups_are_rate_limited(org, client, rates):
    rates(public_query="2/hour")
    number, code = submitted_receipt(client)
    assert track(client, number, "999999").status_code == 200
    assert track(client, number, "999998").status_code == 200

    blocked = track(client, number, code)  # even the right code, once the budget is used up
    assert blocked.status_code == 429
    assert "查询过于频繁" in blocked.content.decode() and blocked.context["progress"] is None


def test_the_tracking_page_offers_rating_when_asked(org, client):
    number, code = submitted_receipt(client)
    to_replied(Ticket.objects.get(number=number), org.users)

    page = track(client, number, code).content.decode()
    assert f'href="/public/rate/{number}/"' in page and "已责令超市退款并赔偿" in page


def test_wrong_codes_for_one_number_from_one_address_are_limited(org, client):
    """A guesser's address runs out of tries; the holder elsewhere does not (tests/security)."""
    from hotline.portal.selectors import CODE_FAILURES_PER_NUMBER_AND_CLIENT

    ticket = register(org.users["agent"])
    wrong = "000000" if ticket.query_code != "000000" else "111111"
    for _ in range(CODE_FAILURES_PER_NUMBER_AND_CLIENT):
        response = client.post("/public/track/", {"number": ticket.number, "code": wrong})
        assert response.status_code == 200
    response = client.post("/public/track/", {"number": ticket.number, "code": ticket.query_code})
    assert response.status_code == 429
    assert 'id="progress"' not in response.content.decode()
    assert "查询码错误次数过多" in response.content.decode()
    api = client.get(f"/api/v1/public/submissions/{ticket.number}/", {"code": ticket.query_code})
    assert api.status_code == 429
    assert api.json()["code"] == "too_many_code_failures"


def test_the_timeline_shows_each_public_step_with_its_date_and_name(org, client):
    users = org.users
    number, code = submitted_receipt(client)
    ticket = to_replied(Ticket.objects.get(number=number), users, result="已责令超市退款")
    act(ticket, "close", users["coordinator"], result="超市已退款,本件办结")

    response = track(client, number, code)
    steps = response.context["progress"].steps
    # dispatch, sign and assign are staff matters: not on the public timeline
    assert [s.action for s in steps] == ["register", "accept", "reply", "close"]
    assert [s.label for s in steps] == ["已登记", "已受理", "已答复", "已办结"]
    assert [s.text for s in steps] == ["已收到您的诉求", "", "已责令超市退款", "超市已退款,本件办结"]
    page = response.content.decode()
    events = TicketEvent.objects.filter(ticket__number=number, public=True).order_by("seq")
    for event, step in zip(events, steps, strict=True):
        shown = timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M")
        assert f'data-event="{step.action}"' in page
        assert f"{shown}</time>" in page
    assert 'id="progress-now"' not in page  # closed: no "current stage" entry


def test_an_open_ticket_ends_its_timeline_with_the_current_stage(org, client):
    users = org.users
    number, code = submitted_receipt(client)
    page = track(client, number, code).content.decode()
    assert 'id="progress-now"' not in page  # 已登记 is both the stage and the last step

    ticket = act(Ticket.objects.get(number=number), "accept", users["coordinator"])
    act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    response = track(client, number, code)
    progress = response.context["progress"]
    assert progress.steps[-1].label == "已受理" and progress.current == progress.stage != "已受理"
    assert f"当前:{progress.stage}" in response.content.decode()


def test_the_public_api_gives_the_same_timeline(org, client):
    number, code = submitted_receipt(client)
    act(Ticket.objects.get(number=number), "accept", org.users["coordinator"])

    body = client.get(f"/api/v1/public/submissions/{number}/", {"code": code}).json()
    assert [(s["action"], s["label"]) for s in body["steps"]] == [
        ("register", "已登记"),
        ("accept", "已受理"),
    ]
    assert all(s["at"] for s in body["steps"])
