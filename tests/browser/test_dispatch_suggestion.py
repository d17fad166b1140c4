"""派单建议 in a real browser: the dispatch form loads the suggestions when it opens (htmx),
a click on a unit fills the form's unit select, and the coordinator dispatches with it. The
watch fails on any console or JavaScript error (the trigger runs under our CSP, no eval)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hotline.demo.journey import advance
from hotline.demo.seed import DemoOrg
from hotline.similar.detection import detect
from hotline.tickets.models import Status, Ticket
from hotline.workflow.drafts import Person, Respondent, TicketDraft
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import ticket_transition
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

UNIT = "JZ-DH-SJ"
SUBJECT = "超市出售过期牛奶"
TEXT = "华联超市冷柜里的盒装牛奶已经过期仍在销售,店员拒绝退换"


def _register(users: dict[str, Any], phone: str) -> Ticket:
    draft = TicketDraft(
        type="complaint",
        channel="phone",
        subject=SUBJECT,
        description=TEXT,
        category="product.food",
        region="江州市东湖区",
        complainant=Person(name="周先生", phone=phone),
        respondent=Respondent(name="华联超市"),
    )
    ticket = ticket_register(draft=draft, actor=users["agent"])
    detect(ticket.pk)  # what the worker does after the commit: its signature and bands
    return ticket


def test_a_click_on_a_suggestion_fills_the_unit(page: Page, demo: DemoOrg) -> None:
    users = demo.users
    earlier = _register(users, "13607310011")
    staff = [users[n] for n in ("agent", "coordinator", "head", "handler", "leader")]
    advance(earlier, staff, steps=14, handler="handler", unit=UNIT)
    assert Ticket.objects.get(pk=earlier.pk).status == Status.CLOSED
    waiting = ticket_transition(
        ticket=_register(users, "13607310012"), action="accept", actor=users["agent"]
    ).ticket
    new = _register(users, "13607310013")

    login(page, "coordinator")
    # 待派单: the dispatch form is the open one, the suggestions come with the page
    page.goto(f"/tickets/{waiting.number}/")
    expect(page.locator(f'#dispatch-suggestions li[data-unit="{UNIT}"]')).to_be_visible()
    expect(page.locator("#dispatch-suggestions")).to_contain_text(earlier.number)

    # 待受理: the dispatch form opens on a click, and loads them then
    page.goto(f"/tickets/{new.number}/")
    expect(page.locator("#dispatch-suggestions")).to_have_count(0)
    page.locator("#action-item-dispatch > summary").click()
    expect(page.locator("#id_dispatch_unit")).to_have_value("")
    page.locator("#dispatch-choose-first").click()
    expect(page.locator("#id_dispatch_unit")).to_have_value(UNIT)
    assert Ticket.objects.get(pk=new.pk).unit.code != UNIT  # filled, not sent
    page.locator('#action-dispatch button[data-action="dispatch"]').click()
    expect(page.locator("#ticket-stage")).to_have_text("待签收")
    assert Ticket.objects.get(pk=new.pk).unit.code == UNIT
