"""Each action is a small form on the ticket page; when someone acted first, say so and keep the input."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.tickets.models import ExtensionRequest, Ticket
from tests.factories import register
from tests.helpers import act


@pytest.fixture
def as_user(users):
    def make(name: str) -> Client:
        client = Client()
        client.force_login(users[name])
        return client

    return make


def post(client: Client, ticket: Ticket, action: str, **params):
    """Post the action form as the page renders it: with the version and last event seen."""
    fresh = Ticket.objects.get(pk=ticket.pk)
    seen = fresh.events.order_by("-seq").first().seq
    return client.post(
        f"/tickets/{fresh.number}/act/{action}/",
        {"expected_version": fresh.version, "seen_seq": seen, **params},
    )


def ok(response) -> None:
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_enterprise_journey_through_the_forms(as_user, users):
    ticket = register(users["agent"])
    agent, head, handler = as_user("agent"), as_user("head"), as_user("handler")
    coordinator, leader = as_user("coordinator"), as_user("leader")

    ok(post(agent, ticket, "accept", comment="受理"))
    page = agent.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="id_dispatch_unit"' in page and "东湖区市场监督管理局" in page
    ok(post(agent, ticket, "dispatch", unit="JZ-DH-SJ"))
    ok(post(head, ticket, "sign"))
    page = head.get(f"/tickets/{ticket.number}/").content.decode()
    assert '<option value="handler">刘芳</option>' in page
    ok(post(head, ticket, "assign", handler="handler"))
    ok(post(head, ticket, "request_extension", amount="2", reason="需送检"))
    assert ExtensionRequest.objects.get(ticket=ticket).amount == 2
    ok(post(leader, ticket, "approve_extension", comment="同意"))
    ok(post(handler, ticket, "reply", result="已退货"))
    page = coordinator.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'value="dissatisfied"' in page and "非常满意" in page
    ok(post(coordinator, ticket, "return_visit", satisfaction="dissatisfied", comment="仍未退款"))
    ok(post(coordinator, ticket, "supervise", comment="督办"))
    ok(post(coordinator, ticket, "redispatch", unit=""))
    ticket.refresh_from_db()
    assert ticket.stage == "dispatched" and ticket.round == 2 and ticket.supervised
    assert ticket.satisfaction == "dissatisfied" and ticket.unit.code == "JZ-DH-SJ"
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions == [
        "register", "accept", "dispatch", "sign", "assign", "request_extension", "approve_extension",
        "reply", "return_visit", "supervise", "redispatch",
    ]  # fmt: skip


def test_return_needs_a_reason_and_then_leaves_the_units_view(as_user, users):
    ticket = register(users["agent"])
    act(ticket, "accept", users["agent"])
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    head = as_user("head")
    refused = post(head, ticket, "return", reason="")
    assert refused.status_code == 400
    assert 'data-error-for="reason">请填写退单理由' in refused.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).stage == "dispatched"
    response = post(head, ticket, "return", reason="不属本单位职责")
    assert response.status_code == 302 and response.url == "/"
    assert Ticket.objects.get(pk=ticket.pk).stage == "returned"


def test_reject_offers_the_packs_reasons_then_reopen(as_user, users):
    ticket = register(users["agent"])
    coordinator = as_user("coordinator")
    page = coordinator.get(f"/tickets/{ticket.number}/").content.decode()
    assert '<option value="outside_mandate">不属于本单位职责范围</option>' in page
    ok(post(coordinator, ticket, "reject", reason="outside_mandate"))
    assert Ticket.objects.get(pk=ticket.pk).stage == "rejected"
    ok(post(coordinator, ticket, "reopen", reason="补充了材料"))
    assert Ticket.objects.get(pk=ticket.pk).stage == "registered"


def test_close_with_a_closing_code(as_user, users):
    ticket = register(users["agent"], type="consultation")
    ok(post(as_user("agent"), ticket, "close", closing_code="answered", result="已告知所需材料"))
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closing_code == "answered"


def test_suspend_and_resume(as_user, users):
    ticket = register(users["agent"], policy="hotline-12345")
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    act(ticket, "sign", users["head"])
    act(ticket, "assign", users["head"], handler="handler")
    coordinator = as_user("coordinator")
    ok(post(coordinator, ticket, "suspend", reason="等待诉求人补充材料"))
    assert Ticket.objects.get(pk=ticket.pk).status == "suspended"
    page = coordinator.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="action-resume"' in page and 'id="action-suspend"' not in page
    ok(post(coordinator, ticket, "resume"))
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_someone_acted_first_banner_keeps_the_typed_text(as_user, users):
    ticket = register(users["agent"])
    act(ticket, "accept", users["agent"])
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    act(ticket, "sign", users["head"])
    act(ticket, "assign", users["head"], handler="handler")
    stale = Ticket.objects.get(pk=ticket.pk)
    seen = stale.events.order_by("-seq").first().seq
    # the head extends while the handler writes the reply: the extension request bumps the version
    act(ticket, "request_extension", users["head"], amount=1, reason="需送检")

    handler = as_user("handler")
    response = handler.post(
        f"/tickets/{ticket.number}/act/reply/",
        {"expected_version": stale.version, "seen_seq": seen, "result": "已为您办理退货,款项三日内退回"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="ticket-banner"' in html
    assert "该工单已被陈志强处理:申请延期,请核对后再操作" in html
    assert "需送检" in html  # what changed
    # the reply form is still there, with the text as typed and the new version
    assert "已为您办理退货,款项三日内退回</textarea>" in html
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert f'name="expected_version" value="{fresh.version}"' in html
    assert fresh.stage == "handling" and not fresh.events.filter(action="reply").exists()

    # submitted again from the re-rendered page, it goes through
    ok(post(handler, ticket, "reply", result="已为您办理退货,款项三日内退回"))


def test_the_stage_moved_on_the_action_is_gone_but_the_text_is_kept(as_user, users):
    ticket = register(users["agent"])
    stale = Ticket.objects.get(pk=ticket.pk)
    act(ticket, "reject", users["coordinator"], reason="outside_mandate")
    response = as_user("agent").post(
        f"/tickets/{ticket.number}/act/accept/",
        {"expected_version": stale.version, "seen_seq": 1, "comment": "我来受理"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "该工单已被李建国处理:不予受理,请核对后再操作" in html
    assert 'id="banner-typed"' in html and "我来受理" in html
    assert Ticket.objects.get(pk=ticket.pk).stage == "rejected"


def test_a_form_without_version_changes_nothing(as_user, users):
    ticket = register(users["agent"])
    response = as_user("agent").post(f"/tickets/{ticket.number}/act/accept/", {"comment": "x"})
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).version == 1


def test_an_action_not_allowed_for_the_role_is_refused(as_user, users):
    ticket = register(users["agent"])
    response = post(as_user("agent"), ticket, "reject", reason="outside_mandate")
    assert response.status_code == 403 and "您的角色不能执行此操作" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).stage == "registered"


def test_htmx_posts_swap_the_page_body(as_user, users):
    ticket = register(users["agent"])
    agent = as_user("agent")
    page = agent.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'hx-post="/tickets/' in page and 'hx-select="#ticket-body"' in page
    fresh = Ticket.objects.get(pk=ticket.pk)
    done = agent.post(
        f"/tickets/{ticket.number}/act/accept/", {"expected_version": fresh.version}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 200 and done["HX-Redirect"] == f"/tickets/{ticket.number}/"
    stale = agent.post(
        f"/tickets/{ticket.number}/act/dispatch/",
        {"expected_version": fresh.version, "seen_seq": 1, "comment": "派东湖"},
        HTTP_HX_REQUEST="true",
    )
    assert stale.status_code == 200 and 'id="ticket-banner"' in stale.content.decode()
