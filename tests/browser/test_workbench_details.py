"""What staff touch all day, in a real browser: one action form at a time, the extension's
due time before asking and before approving, a long description folded, the callback list's
row actions, and our favicon. Built on the demo's hotline-12345 pack (natural-day extensions)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hotline.demo.seed import DemoOrg
from hotline.followup.models import ReturnVisitAttempt
from hotline.tickets.models import Ticket
from hotline.web import extension
from hotline.web.formatting import deadline_text
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import ticket_transition
from tests.browser.conftest import Shot, login

pytestmark = pytest.mark.browser

UNIT = "JZ-DH-SJ"
LONG = "楼上装修每天从早上七点开始电钻施工,周末也不停。" * 400  # 10,000 characters


def in_handling(users: dict[str, Any], description: str) -> Ticket:
    ticket = ticket_register(
        draft=TicketDraft(
            type="complaint",
            channel="phone",
            subject="楼上装修噪声扰民",
            description=description,
            complainant=Person(name="周先生", phone="13607310002"),
        ),
        actor=users["agent"],
    )
    for action, who, params in (
        ("dispatch", "coordinator", {"unit": UNIT}),
        ("sign", "head", {}),
        ("assign", "head", {"handler": "handler"}),
    ):
        ticket = ticket_transition(ticket=ticket, action=action, actor=users[who], params=params).ticket
    return ticket


def open_item(page: Page, action: str) -> None:
    page.locator(f"#action-item-{action} > summary").click()
    expect(page.locator(f"#action-{action}")).to_be_visible()


def test_actions_extension_long_text_and_callbacks(page: Page, demo: DemoOrg, shot: Shot) -> None:
    users = demo.users
    ticket = in_handling(users, LONG)
    expected = extension.preview(ticket, amount=3, unit="natural_days")

    # --- the head: one form at a time, the extension's due time before asking ------------------
    login(page, "head")
    page.goto(f"/tickets/{ticket.number}/")
    expect(page.locator("#action-reply")).to_be_visible()  # the next step is open
    expect(page.locator("#action-request_extension")).to_be_hidden()
    open_item(page, "request_extension")
    expect(page.locator("#action-reply")).to_be_hidden()  # opening one closed the other
    expect(page.locator("#extension-rule")).to_contain_text("自然日")
    expect(page.locator("#extension-rule")).to_contain_text("24:00")
    page.locator("#id_request_extension_amount").fill("3")
    expect(page.locator("#preview-new-due")).to_have_text(deadline_text(expected.new_due_at))
    expect(page.locator("#extension-preview")).to_contain_text("延期3个自然日后")
    page.locator("#id_request_extension_reason").fill("需等待环保部门噪声检测结果")
    shot(page, "ticket-extension.png")
    page.locator("#action-request_extension button[data-action=request_extension]").click()
    expect(page.locator("#timeline > li").last).to_have_attribute("data-event", "request_extension")

    # --- a 10,000-character description shows its first lines and "展开全文" ------------------
    body = page.locator("#ticket-description")
    folded = body.bounding_box()
    assert folded is not None and folded["height"] < 200, folded
    identity = page.locator("#identity").bounding_box()
    # the identity follows the description closely: it is not pushed screens away
    assert identity is not None and identity["y"] - folded["y"] < 600, (folded, identity)
    page.locator("label[for=ticket-description-more]").click()
    unfolded = body.bounding_box()
    assert unfolded is not None and unfolded["height"] > 2000, unfolded
    expect(page.locator("label[for=ticket-description-more]")).to_contain_text("收起")

    # --- the coordinator approves, seeing what is asked and what it gives --------------------
    login(page, "coordinator")
    page.goto(f"/tickets/{ticket.number}/")
    box = page.locator("#extension-pending-approve_extension")
    expect(box).to_be_visible()  # the approval is the open form
    expect(box).to_contain_text("申请延期3个自然日")
    expect(box).to_contain_text("需等待环保部门噪声检测结果")
    expect(box.locator(".extension-new-due")).to_have_text(deadline_text(expected.new_due_at))
    expect(page.locator("#action-item-deny_extension > summary")).to_have_class(
        re.compile("btn-outline-danger")
    )
    shot(page, "ticket-approve-extension.png")
    page.locator("#action-approve_extension button[data-action=approve_extension]").click()
    expect(page.locator("#timeline > li").last).to_have_attribute("data-event", "approve_extension")
    ticket.refresh_from_db()
    assert ticket.due_at == expected.new_due_at

    # --- the handler replies; the callback list calls, records and opens ---------------------
    ticket_transition(
        ticket=ticket, action="reply", actor=users["handler"], params={"result": "已约谈施工方"}
    )
    page.goto("/callbacks/")
    row = page.locator(f"#callback-{ticket.number}")
    expect(row.locator("a[data-action=call]")).to_have_attribute("href", "tel:+8613607310002")
    row.locator("select[name=outcome]").select_option("busy")
    row.locator("input[name=note]").fill("占线")
    shot(page, "callbacks.png")
    row.locator("button[data-action=return_visit_attempt]").click()
    expect(page).to_have_url(re.compile(r"/callbacks/$"))
    expect(page.locator(f"#callback-{ticket.number} .callback-attempts")).to_have_text("1")
    assert ReturnVisitAttempt.objects.filter(visit__ticket=ticket, outcome="busy").count() == 1
    page.locator(f"#callback-{ticket.number} a[data-action=open]").click()
    expect(page.locator("#ticket-number")).to_have_text(ticket.number)

    # --- our own favicon, no 404 -------------------------------------------------------------
    assert page.request.get("/favicon.ico").status == 200
