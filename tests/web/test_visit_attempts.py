"""Failed call-backs (回访未接通) on the ticket page, and the coordinator's callback list."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.followup.models import ReturnVisit, ReturnVisitAttempt, VisitStatus
from hotline.followup.services import record_attempt
from hotline.notify.models import Message
from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import register
from tests.helpers import act
from tests.web.flow import replied


def page(client: Any, ticket: Ticket) -> str:
    return client.get(reverse("web:ticket", args=[ticket.number])).content.decode()


def post_attempt(client: Any, ticket: Ticket, outcome: str, note: str = "") -> Any:
    visit = ReturnVisit.objects.get(ticket=ticket, status__in=["open", "unreachable"])
    data = {"visit": str(visit.pk), "outcome": outcome, "note": note}
    return client.post(reverse("web:visit_attempt", args=[ticket.number]), data)


def test_the_panel_shows_only_to_who_calls_back(client, users):
    ticket = replied(users)
    client.force_login(users["coordinator"])
    html = page(client, ticket)
    assert 'id="visit-panel"' in html and 'id="visit-attempt-form"' in html
    assert "回访情况" in html and "待回访" in html[html.index('id="visit-status"') :]
    # the agent registered it and the leader oversees it: they see the ticket, not the panel
    for name in ("agent", "leader", "handler"):
        client.force_login(users[name])
        html = page(client, ticket)
        assert ticket.number in html and 'id="visit-panel"' not in html, name


def test_no_panel_without_an_active_visit(client, users):
    ticket = act(register(users["agent"]), "accept", users["coordinator"])
    client.force_login(users["coordinator"])
    assert 'id="visit-panel"' not in page(client, ticket)


def test_recording_a_failed_call_writes_the_attempt_and_the_history(client, users):
    ticket = replied(users)
    client.force_login(users["coordinator"])
    response = post_attempt(client, ticket, "no_answer", "上午十点拨打无人接")
    assert response.status_code == 302 and response["Location"] == reverse("web:ticket", args=[ticket.number])
    attempt = ReturnVisitAttempt.objects.get(visit__ticket=ticket)
    assert (attempt.by, attempt.outcome, attempt.note) == (
        users["coordinator"],
        "no_answer",
        "上午十点拨打无人接",
    )
    event = TicketEvent.objects.get(ticket=ticket, action="return_visit_attempt")
    assert event.actor == users["coordinator"] and event.payload["attempts"] == 1
    assert ReturnVisit.objects.get(ticket=ticket).status == VisitStatus.OPEN
    assert not Message.objects.filter(ticket=ticket, kind="survey_link").exists()

    html = client.get(response["Location"]).content.decode()
    assert "已记录未接通" in html
    attempts = html[html.index('id="visit-attempts"') :].split("</ol>")[0]
    who = users["coordinator"].get_full_name() or users["coordinator"].username
    assert who in attempts and "无人接听:上午十点拨打无人接" in attempts
    assert len(re.findall(r'class="visit-attempt"', html)) == 1
    timeline = html[html.index('id="timeline"') :]
    assert 'data-event="return_visit_attempt"' in timeline and "回访未接通" in timeline


def test_the_third_failed_call_sends_the_survey_link(client, users):
    ticket = replied(users)
    client.force_login(users["coordinator"])
    post_attempt(client, ticket, "no_answer")
    post_attempt(client, ticket, "busy")
    assert not Message.objects.filter(ticket=ticket, kind="survey_link").exists()
    response = post_attempt(client, ticket, "no_answer", "第三次仍无人接")
    assert response.status_code == 302
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.status == VisitStatus.UNREACHABLE and visit.close_at is not None
    sent = Message.objects.filter(ticket=ticket, kind="survey_link")
    assert sorted(sent.values_list("channel", "address")) == [
        ("email", ticket.complainant_email),
        ("sms", ticket.complainant_phone),
    ]
    html = client.get(response["Location"]).content.decode()
    assert "诉求人联系不上,已向其发送评价链接" in html
    assert 'id="visit-unreachable"' in html and 'data-status="unreachable"' in html
    deliveries = html[html.index('id="deliveries"') :]
    assert f"请在线评价诉求办理情况:{ticket.number}" in deliveries
    assert len(re.findall(r'class="visit-attempt"', html)) == 3


def test_an_unreachable_outcome_sends_the_link_at_once(client, users):
    ticket = replied(users)
    client.force_login(users["coordinator"])
    response = post_attempt(client, ticket, "unreachable", "空号")
    assert response.status_code == 302
    assert ReturnVisit.objects.get(ticket=ticket).status == VisitStatus.UNREACHABLE
    assert Message.objects.filter(ticket=ticket, kind="survey_link", channel="sms").count() == 1
    assert "已向其发送评价链接" in client.get(response["Location"]).content.decode()


def test_a_handler_cannot_record_a_call(client, users):
    ticket = replied(users)
    client.force_login(users["handler"])
    response = post_attempt(client, ticket, "no_answer")
    html = response.content.decode()
    assert response.status_code == 403 and "您的角色不能回访此工单" in html
    assert 'id="ticket-banner"' in html and 'id="visit-panel"' not in html
    assert not ReturnVisitAttempt.objects.filter(visit__ticket=ticket).exists()
    assert not TicketEvent.objects.filter(ticket=ticket, action="return_visit_attempt").exists()


def test_bad_input_comes_back_in_chinese(client, users):
    ticket = replied(users)
    client.force_login(users["coordinator"])
    html = post_attempt(client, ticket, "").content.decode()
    assert "记录未接通未完成" in html and "请选择回访结果" in html
    assert 'data-error-for="outcome"' in html
    response = post_attempt(client, ticket, "no_answer", "很长" * 300)
    assert response.status_code == 400 and "备注不能超过500字" in response.content.decode()
    # the note the user typed is kept in the form
    assert "很长很长" in response.content.decode()
    assert not ReturnVisitAttempt.objects.filter(visit__ticket=ticket).exists()


def test_a_visit_that_ended_meanwhile_is_refused(client, users):
    ticket = replied(users)
    visit = ReturnVisit.objects.get(ticket=ticket)
    act(ticket, "return_visit", users["coordinator"], satisfaction="satisfied")
    client.force_login(users["coordinator"])
    url = reverse("web:visit_attempt", args=[ticket.number])
    response = client.post(url, {"visit": str(visit.pk), "outcome": "no_answer"})
    assert response.status_code == 409 and "回访任务已结束" in response.content.decode()
    assert not ReturnVisitAttempt.objects.filter(visit=visit).exists()


def test_the_form_needs_the_csrf_token(users):
    from django.test import Client

    ticket = replied(users)
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["coordinator"])
    assert post_attempt(client, ticket, "no_answer").status_code == 403
    assert not ReturnVisitAttempt.objects.exists()
    html = page(client, ticket)
    form = html[html.index('id="visit-attempt-form"') :]
    assert 'name="csrfmiddlewaretoken"' in form.split("</form>")[0]


def test_callbacks_show_masked_phone_status_and_attempts(client, users):
    report = replied(users, type="report", complainant__phone="13911112222")
    plain = replied(users, complainant__phone="13822223333")
    record_attempt(visit=ReturnVisit.objects.get(ticket=report), user=users["coordinator"], outcome="busy")
    record_attempt(
        visit=ReturnVisit.objects.get(ticket=report), user=users["coordinator"], outcome="no_answer"
    )
    record_attempt(
        visit=ReturnVisit.objects.get(ticket=plain), user=users["coordinator"], outcome="unreachable"
    )
    client.force_login(users["coordinator"])
    html = client.get(reverse("web:callbacks")).content.decode()
    assert "13911112222" not in html

    def row(ticket: Ticket) -> str:
        start = html.index(f'id="callback-{ticket.number}"')
        return html[start : html.index("</tr>", start)]

    assert "139****2222" in row(report) and "待回访" in row(report)
    assert re.search(r'class="callback-attempts">2<', row(report))
    # not confidential: the phone shows in full, as on the ticket page
    assert "13822223333" in row(plain) and "联系不上" in row(plain)
    assert re.search(r'class="callback-attempts">1<', row(plain))
    # the same masking as the ticket page
    assert "139****2222" in page(client, report)


def test_callbacks_are_refused_to_a_handler(client, users):
    replied(users)
    client.force_login(users["handler"])
    assert client.get(reverse("web:callbacks")).status_code == 403


def _callbacks_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("web:callbacks"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_callbacks_queries_do_not_grow_with_the_list(client, users):
    more = 3
    first = replied(users)
    record_attempt(visit=ReturnVisit.objects.get(ticket=first), user=users["coordinator"], outcome="busy")
    client.force_login(users["coordinator"])
    _callbacks_queries(client)  # warm caches (packs, calendar)
    one = _callbacks_queries(client)
    for _ in range(more):
        ticket = replied(users, type="report")
        record_attempt(
            visit=ReturnVisit.objects.get(ticket=ticket), user=users["coordinator"], outcome="busy"
        )
    many = _callbacks_queries(client)
    assert (
        client.get(reverse("web:callbacks")).content.decode().count('class="callback-attempts">1<')
        == 1 + more
    )
    assert many == one


def test_ticket_page_queries_with_the_panel_are_bounded(client, users):
    ticket = replied(users)
    client.force_login(users["coordinator"])
    post_attempt(client, ticket, "busy")
    page(client, ticket)
    with CaptureQueriesContext(connection) as ctx:
        page(client, ticket)
    before = len(ctx.captured_queries)
    post_attempt(client, ticket, "no_answer")
    with CaptureQueriesContext(connection) as ctx:
        html = page(client, ticket)
    assert len(re.findall(r'class="visit-attempt"', html)) == 2
    assert len(ctx.captured_queries) == before
