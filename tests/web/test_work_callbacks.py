"""回访任务: overdue marks like the other lists, actions per row (call, record a failed
call, open the ticket), and open to whoever the pack's return_visit names."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from hotline.followup.models import ReturnVisit, ReturnVisitAttempt
from hotline.web import selectors
from hotline.web.views.work import dial_target
from tests.web.flow import replied


def row(html: str, number: str) -> str:
    start = html.index(f'id="callback-{number}"')
    return html[start : html.index("</tr>", start)]


def test_an_overdue_callback_is_marked_like_other_lists(client, users):
    late = replied(users, complainant__phone="13822223333")
    fresh = replied(users)
    ReturnVisit.objects.filter(ticket=late).update(due_at=timezone.now() - timedelta(hours=1))
    ReturnVisit.objects.filter(ticket=fresh).update(due_at=timezone.now() + timedelta(days=2))
    client.force_login(users["coordinator"])
    html = client.get(reverse("web:callbacks")).content.decode()
    assert 'class="callback-row row-overdue"' in row(html, late.number)
    assert 'class="due-mark" data-mark="overdue">已超期<' in row(html, late.number)
    assert "due-overdue" not in row(html, fresh.number) and "已超期" not in row(html, fresh.number)
    assert html.index(late.number) < html.index(fresh.number)  # soonest due first


def test_each_row_can_call_record_a_failed_call_and_open_the_ticket(client, users):
    ticket = replied(users, complainant__phone="138 2222 3333")
    client.force_login(users["coordinator"])
    html = row(client.get(reverse("web:callbacks")).content.decode(), ticket.number)
    assert 'href="tel:+8613822223333"' in html and "138 2222 3333" in html
    assert f'href="/tickets/{ticket.number}/" data-action="open"' in html
    assert 'data-action="return_visit_attempt"' in html
    for field in ("outcome", "note"):  # labelled, though visually hidden
        assert re.search(rf'<label class="visually-hidden" for="attempt-\d+-{field}">', html)

    visit = ReturnVisit.objects.get(ticket=ticket)
    response = client.post(
        reverse("web:visit_attempt", args=[ticket.number]),
        {"visit": visit.pk, "outcome": "no_answer", "note": "无人接听", "next": "/callbacks/"},
    )
    assert response.status_code == 302 and response.url == "/callbacks/"  # back to the list
    attempt = ReturnVisitAttempt.objects.get(visit=visit)
    assert (attempt.outcome, attempt.note, attempt.by) == ("no_answer", "无人接听", users["coordinator"])
    html = client.get(response.url).content.decode()
    assert f"{ticket.number} 已记录未接通" in html
    assert re.search(r'class="callback-attempts">1<', row(html, ticket.number))


def test_next_never_leaves_the_site(client, users):
    ticket = replied(users)
    client.force_login(users["coordinator"])
    visit = ReturnVisit.objects.get(ticket=ticket)
    response = client.post(
        reverse("web:visit_attempt", args=[ticket.number]),
        {"visit": visit.pk, "outcome": "busy", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == f"/tickets/{ticket.number}/"


def test_a_confidential_callers_number_is_masked_and_not_dialled(client, users):
    report = replied(users, type="report", complainant__phone="13911112222")
    client.force_login(users["coordinator"])
    html = row(client.get(reverse("web:callbacks")).content.decode(), report.number)
    assert "139****2222" in html and "tel:" not in html and "13911112222" not in html
    assert 'data-action="open"' in html  # unmask on the ticket page, with a reason


def test_the_list_follows_the_packs_return_visit_roles(client, users):
    ticket = replied(users)
    client.force_login(users["agent"])
    assert client.get(reverse("web:callbacks")).status_code == 403
    # a pack in use whose return_visit names the agent opens the page to them
    from hotline.policies.registry import get_pack

    enterprise = get_pack("enterprise")
    stage = enterprise.type("complaint").stage("replied")
    rule = stage.actions["return_visit"]
    object.__setattr__(rule, "roles", rule.roles | {"agent"})  # a frozen, shared rule: put back below
    try:
        response = client.get(reverse("web:callbacks"))
        assert response.status_code == 200 and ticket.number in response.content.decode()
        assert "callbacks" in selectors.allowed_pages(users["agent"])
    finally:
        object.__setattr__(rule, "roles", frozenset(rule.roles - {"agent"}))


def test_a_role_no_pack_names_has_no_list(client, users):
    replied(users)
    for name in ("handler", "head", "leader"):
        client.force_login(users[name])
        assert client.get(reverse("web:callbacks")).status_code == 403, name


def test_dial_targets():
    assert dial_target("+8613822223333") == "+8613822223333"
    assert dial_target("+861012345678;ext=123") == "+861012345678;ext=123"
    assert dial_target("") == "" and dial_target("—") == ""
