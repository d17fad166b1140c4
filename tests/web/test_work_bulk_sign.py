"""批量签收: each ticket signed on its own through the workflow; a conflict loses none of the others."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from hotline.tickets.models import Ticket
from tests.helpers import act, snapshot
from tests.web.flow import dispatched


def sign(client, user, *tickets: Ticket, versions: dict[str, int] | None = None):
    client.force_login(user)
    versions = versions or {}
    data = {"ticket": [f"{t.number}:{versions.get(t.number, t.version)}" for t in tickets]}
    response = client.post(reverse("web:bulk_sign"), data)
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def test_checked_tickets_are_signed(client, users):
    a, b = dispatched(users), dispatched(users)
    response, notes = sign(client, users["head"], a, b)
    assert response.status_code == 302 and response.url == reverse("web:worklist")
    assert {t.stage for t in Ticket.objects.filter(pk__in=[a.pk, b.pk])} == {"signed"}
    assert notes == [f"已签收 2 件:{a.number}、{b.number}"]
    assert a.events.filter(action="sign", actor=users["head"]).count() == 1


def test_a_stale_version_fails_alone_and_says_someone_acted_first(client, users):
    fresh, stale = dispatched(users), dispatched(users)
    seen = stale.version
    act(stale, "sign", users["head"])  # signed meanwhile, in another window
    before = snapshot(stale)
    _, notes = sign(client, users["head"], fresh, stale, versions={stale.number: seen})
    assert Ticket.objects.get(pk=fresh.pk).stage == "signed"
    assert snapshot(stale) == before
    assert notes[0] == f"已签收 1 件:{fresh.number}"
    assert notes[1] == f"{stale.number} 未签收:已被他人处理"


def test_a_ticket_that_moved_on_without_a_version_is_reported(client, users):
    ticket = dispatched(users)
    act(ticket, "sign", users["head"])
    client.force_login(users["head"])
    response = client.post(reverse("web:bulk_sign"), {"ticket": [ticket.number]})  # no version sent
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert notes == [f"{ticket.number} 未签收:当前环节不能签收,已被他人处理"]


def test_a_ticket_out_of_sight_is_not_touched(client, users):
    elsewhere = dispatched(users, unit="JZ-XS-ZJ")
    before = snapshot(elsewhere)
    _, notes = sign(client, users["head"], elsewhere)
    assert snapshot(elsewhere) == before
    assert notes == [f"{elsewhere.number} 未签收:不存在或您无权查看"]


def test_a_role_that_may_not_sign_changes_nothing(client, users):
    ticket = dispatched(users)
    before = snapshot(ticket)
    _, notes = sign(client, users["coordinator"], ticket)
    assert snapshot(ticket) == before
    assert notes == [f"{ticket.number} 未签收:您的角色不能执行此操作"]


def test_nothing_checked_is_a_readable_message(client, users):
    client.force_login(users["head"])
    response = client.post(reverse("web:bulk_sign"), {})
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["请先勾选要签收的工单"]


def test_only_signable_rows_get_a_box_and_the_button_carries_its_action(client, users):
    waiting = dispatched(users)
    signed = act(dispatched(users), "sign", users["head"])
    client.force_login(users["head"])
    html = client.get(reverse("web:worklist")).content.decode()
    assert f'value="{waiting.number}:{waiting.version}"' in html
    assert f'id="sign-{signed.number}"' not in html
    assert 'data-action="sign"' in html


def test_the_result_goes_back_to_the_filtered_list(client, users):
    ticket = dispatched(users)
    client.force_login(users["head"])
    response = client.post(
        reverse("web:bulk_sign"),
        {"ticket": [f"{ticket.number}:{ticket.version}"], "next": "/work/?stage=dispatched"},
    )
    assert response.url == "/work/?stage=dispatched"
    response = client.post(reverse("web:bulk_sign"), {"ticket": ["X:1"], "next": "https://example.com/"})
    assert response.url == reverse("web:worklist")
