"""The ticket page as people read it: one status badge, the leader's instruction, long texts
folded, the actions grouped with one form open and coloured by meaning, every field labelled."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.test import Client

from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket
from hotline.web.forms_ticket import ActionForm
from tests.factories import register
from tests.helpers import act
from tests.web.flow import dispatched, handling
from tests.web.labels import unlabelled


def page(client: Client, user: Any, ticket: Ticket) -> str:
    client.force_login(user)
    response = client.get(f"/tickets/{ticket.number}/")
    assert response.status_code == 200
    return response.content.decode()


def header(html: str) -> str:
    start = html.index('<h1 class="h4 mb-0">')
    return html[start : html.index('<div class="row g-3">', start)]


def test_the_header_has_one_status_badge(client, users):
    ticket = act(register(users["agent"]), "accept", users["coordinator"])
    top = header(page(client, users["coordinator"], ticket))
    assert top.count('class="badge text-bg-') == 1
    assert (
        re.search(r'id="ticket-stage">待派单</span></span>', top) and "办理中" not in top.split("title=")[0]
    )
    assert 'title="办理中"' in top  # the coarse status is still there, as the badge's tooltip


def test_a_suspended_ticket_says_so_in_the_same_badge(client, users):
    ticket = handling(users)  # the enterprise pack has no 中止: the display is what is tested
    Ticket.objects.filter(pk=ticket.pk).update(status="suspended")
    top = header(page(client, users["head"], ticket))
    assert top.count('id="ticket-status-badge"') == 1 and top.count(">已中止<") == 1
    assert 'class="badge text-bg-warning" id="ticket-status-badge"' in top
    assert 'id="ticket-stage">办理中</span> · <span id="ticket-suspended">已中止</span>' in top


def test_the_leaders_instruction_and_the_date_of_the_matter(client, users):
    ticket = register(users["agent"], type="report", occurred_on=date(2026, 1, 15))
    ticket = act(ticket, "accept", users["coordinator"])
    html = page(client, users["coordinator"], ticket)
    assert 'id="ticket-instruction"' not in html
    assert re.search(r'id="ticket-occurred-on">2026-01-15<', html)
    act(ticket, "instruct", users["leader"], instruction="请市场监管局三日内核实并报结果")
    html = page(client, users["coordinator"], ticket)
    box = html[html.index('id="ticket-instruction"') :]
    assert "领导批示" in box[:200] and "请市场监管局三日内核实并报结果" in box[:1000]


def test_a_long_description_is_folded_and_the_identity_follows(client, users):
    long = "商家拒不退款。" * 1500  # 10,500 characters
    ticket = register(users["agent"], description=long)
    html = page(client, users["coordinator"], ticket)
    wrap = html[html.index('id="ticket-description-wrap"') :]
    assert 'class="long-text lines-6"' in html
    assert re.search(
        r'<input type="checkbox" class="long-text-toggle visually-hidden" id="ticket-description-more"', wrap
    )
    assert '<label class="long-text-more' in wrap and "展开全文(共10500字)" in wrap
    # the full text is there once (no JavaScript needed to unfold), and the identity comes right after
    assert html.count(long) == 1
    assert html.index('id="identity"') > html.index('id="ticket-description"')


def test_a_short_description_is_not_folded(client, users):
    html = page(client, users["coordinator"], register(users["agent"], description="一句话"))
    assert (
        'id="ticket-description-more"' not in html
        and 'class="long-text-short" id="ticket-description"' in html
    )


def items(html: str) -> list[tuple[str, str, bool]]:
    """(action, tone, open) of each item of the actions panel, in order."""
    return [
        (a, tone, bool(is_open))
        for a, tone, is_open in re.findall(
            r'<details class="action-item tone-[a-z]+ mb-1" name="ticket-actions" id="action-item-([a-z_]+)" '
            r'data-tone="([a-z]+)"( open)?>',
            html,
        )
    ]


def test_actions_are_grouped_one_open_and_negative_ones_look_negative(client, users):
    ticket = register(users["agent"])
    html = page(client, users["coordinator"], ticket)
    assert items(html) == [("accept", "positive", True), ("reject", "negative", False)]
    assert 'id="action-group-handle"' in html and 'id="action-group-negative"' in html
    reject = html[html.index('id="action-item-reject"') :]
    reject = reject[: reject.index("</details>")]
    assert "btn-outline-danger" in reject and 'class="btn btn-sm btn-danger" data-action="reject"' in reject
    accept = html[html.index('id="action-item-accept"') :]
    assert 'class="btn btn-sm btn-primary" data-action="accept"' in accept[: accept.index("</details>")]


def test_the_head_sees_sign_open_and_return_in_the_negative_group(client, users):
    html = page(client, users["head"], dispatched(users))
    assert items(html) == [("sign", "positive", True), ("return", "negative", False)]
    assert html.index('id="action-group-negative"') < html.index('id="action-item-return"')


def test_a_form_sent_back_with_errors_is_the_open_one(client, users):
    ticket = dispatched(users)
    client.force_login(users["head"])
    response = client.post(
        f"/tickets/{ticket.number}/act/return/", {"expected_version": ticket.version, "reason": ""}
    )
    assert response.status_code == 400
    opened = [a for a, _tone, is_open in items(response.content.decode()) if is_open]
    assert opened == ["return"]


def test_the_extension_group_and_supervise_caution(client, users):
    ticket = handling(users)
    head = items(page(client, users["head"], ticket))
    assert head == [
        ("assign", "positive", False),
        ("reply", "positive", True),  # the next step opens, not the re-assignment
        ("request_extension", "positive", False),
    ]
    leader = items(page(client, users["leader"], ticket))
    assert ("supervise", "caution", False) in leader and not any(o for _a, _t, o in leader)


def test_every_field_of_the_ticket_page_has_a_label(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = act(register(users["agent"], type="report"), "accept", users["coordinator"])
    assert 'id="unmask-form"' in page(client, users["coordinator"], report)
    for user, ticket in (
        (users["coordinator"], report),
        (users["leader"], report),
        (users["head"], handling(users)),
        (users["coordinator"], register(users["agent"])),
    ):
        html = page(client, user, ticket)
        assert unlabelled(html) == [], (user.username, unlabelled(html))
    html = page(client, users["coordinator"], report)
    assert '<label class="form-label small mb-0" for="id_unmask_reason">查看理由</label>' in html


def test_new_engine_actions_have_their_fields():
    pack = get_pack("enterprise")
    ticket = Ticket(policy="enterprise", type="complaint", stage="handling", number="x", version=1)
    expected = {
        "instruct": ("instruction", "批示内容"),
        "interim_reply": ("result", "阶段性答复内容"),
        "approve_reply": ("comment", "审核意见(可不填)"),
        "send_back": ("reason", "退回理由(承办人将看到)"),
    }
    for action, (name, label) in expected.items():
        form = ActionForm({"expected_version": "1", name: " 内容 "}, action=action, ticket=ticket, pack=pack)
        assert str(form.fields[name].label) == label, action
        assert form.is_valid() and form.params() == {name: "内容"}, action
