"""The staff journey of the issue, in a real browser, each step by the demo user who does it.

A phone complaint registered by the agent, dispatched by the coordinator, signed and assigned
by the head, replied by the handler, a dissatisfied return visit, the second dispatch (round 2,
started by the follow-up sweep), and closure. Every main page of the workbench is visited.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from hotline.demo.seed import DemoOrg
from hotline.followup.services import run_sweep
from hotline.tickets.models import Ticket
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import ticket_transition
from tests.browser.conftest import Shot, login

pytestmark = pytest.mark.browser

PHONE = "13907310088"
HEAD_UNIT = "JZ-DH-SJ"  # 东湖区市场监督管理局: head 陈志强, handler 刘芳


def timeline(page: Page) -> Any:
    return page.locator("#timeline > li")


def act(page: Page, action: str, **fields: str) -> None:
    """Fill the action's small form on the ticket page, submit it, and wait for the new event."""
    events_before = timeline(page).count()
    item = page.locator(f"#action-item-{action}")
    if item.get_attribute("open") is None:  # one action's form is open at a time
        item.locator("summary").click()
    form = page.locator(f"#action-{action}")
    expect(form).to_be_visible()
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']")
        kind = field.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if kind.startswith("select"):
            field.select_option(value)
        elif kind == "input:radio":
            form.locator(f"input[name='{name}'][value='{value}']").check()
        else:
            field.fill(value)
    form.locator(f"button[data-action='{action}']").click()
    expect(timeline(page)).to_have_count(events_before + 1)
    expect(page.locator("#ticket-banner")).to_have_count(0)


def open_from_worklist(page: Page, number: str, *, tab: str) -> None:
    """The ticket is in the user's worklist tab; open it from there."""
    page.goto(f"/work/?tab={tab}")
    row = page.locator(f"#row-{number}")
    expect(row).to_be_visible()
    row.locator("a.ticket-link").click()
    expect(page.locator("#ticket-number")).to_have_text(number)


def stalled_complaint(users: dict[str, Any]) -> Ticket:
    """A complaint dispatched 20 days ago and in handling since: past its 7-day limit.

    (Seven natural days roll over rest days, up to a week at the Spring Festival.)
    """
    then = timezone.now() - timedelta(days=20)
    ticket = ticket_register(
        draft=TicketDraft(
            type="complaint",
            channel="phone",
            subject="小区门口早餐店占道经营",
            description="早餐店每天在人行道上摆桌椅,行人只能走机动车道。",
            complainant=Person(name="刘先生", phone="13607310001"),
        ),
        actor=users["agent"],
        now=then,
    )
    steps = [
        ("dispatch", "coordinator", {"unit": HEAD_UNIT}),
        ("sign", "head", {}),
        ("assign", "head", {"handler": "handler"}),
    ]
    for action, who, params in steps:
        ticket = ticket_transition(
            ticket=ticket, action=action, actor=users[who], params=params, now=then
        ).ticket
    assert ticket.stage == "handling" and ticket.due_at is not None and ticket.due_at < timezone.now()
    return ticket


def test_phone_complaint_through_two_rounds_to_closure(
    context: BrowserContext, page: Page, demo: DemoOrg, shot: Shot
) -> None:
    users = demo.users
    # Given a complaint at the head's unit, in handling for 20 days: overdue, not yet supervised
    stalled = stalled_complaint(users)
    # and the caller complained once before
    earlier = ticket_register(
        draft=TicketDraft(
            type="consultation",
            channel="phone",
            subject="咨询食品经营许可办理材料",
            description="想开一家面包店,问需要哪些材料。",
            complainant=Person(name="张女士", phone=PHONE),
        ),
        actor=users["agent"],
    )

    # --- the agent registers the phone complaint, from the keyboard ------------------------
    page.goto("/login/")
    expect(page.locator("#id_username")).to_be_focused()
    shot(page, "login.png")
    login(page, "agent")
    expect(page).to_have_url(re.compile(r"/intake/$"))  # the agent's home is the intake screen
    expect(page.locator("#id_complainant_phone")).to_be_focused()
    page.keyboard.type(PHONE)
    # the caller panel shows the earlier ticket at once
    expect(page.locator("#caller-tickets")).to_contain_text(earlier.number)
    page.keyboard.press("Tab")  # 诉求类型: complaint is the default
    expect(page.locator("#id_type")).to_be_focused()
    expect(page.locator("#id_type")).to_have_value("complaint")
    page.locator("#id_category").select_option("product.food")
    page.locator("#id_subject").fill("超市出售过期牛奶")
    page.locator("#id_description").fill("6月1日在东湖区人民路某超市购买的纯牛奶已过保质期3天,饮用后腹泻。")
    page.locator("#id_demand").fill("退货赔偿,并查处该超市")
    page.locator("#id_complainant_name").fill("张女士")
    page.locator("#id_respondent_name").fill("东湖区人民路某超市")
    page.locator("#id_respondent_address").fill("江州市东湖区人民路1号")
    page.locator("#id_region").fill("江州市东湖区")
    shot(page, "agent-intake.png")
    page.locator("#id_respondent_address").press("Enter")  # Enter in a field reads back

    # the whole record in one block, to read back to the caller; nothing saved yet
    readback = page.locator("#readback")
    expect(readback).to_contain_text("超市出售过期牛奶")
    expect(readback).to_contain_text("139 0731 0088")
    expect(readback).to_contain_text("江州市东湖区")
    expect(page.locator("#readback-confirm")).to_be_focused()
    assert not Ticket.objects.filter(subject="超市出售过期牛奶").exists()
    page.wait_for_load_state()  # the page's keys are ready (a person is never this quick)
    page.keyboard.press("Escape")  # back to the form, everything kept
    expect(page.locator("#id_subject")).to_have_value("超市出售过期牛奶")
    expect(page.locator("#id_complainant_phone")).to_have_value(PHONE)
    expect(page.locator("#id_category")).to_have_value("product.food")
    page.locator("#id_demand").fill("退货赔偿,并查处该超市(加急)")
    page.wait_for_load_state()
    page.locator("#id_demand").press("Control+Enter")  # from a textarea too
    expect(readback).to_contain_text("(加急)")
    shot(page, "agent-intake-readback.png")
    page.wait_for_load_state()
    page.keyboard.press("Enter")  # confirmed: saved

    expect(page).to_have_url(re.compile(r"/intake/done/\d{14}/$"))
    number = page.locator("#result-number").inner_text().strip()
    code = page.locator("#result-query-code").inner_text().strip()
    assert re.fullmatch(r"\d{14}", number)
    assert re.fullmatch(r"\d{6}", code)
    expect(page.locator("#intake-result")).to_contain_text("待受理")
    shot(page, "agent-intake-result.png")
    ticket = Ticket.objects.get(number=number)
    assert (ticket.registered_by, ticket.channel, ticket.policy) == (users["agent"], "phone", "hotline-12345")
    assert ticket.complainant_phone == "+86" + PHONE  # stored normalised (E.164)

    # the agent's own ticket page: registered, one event
    page.locator("#result-ticket-link").click()
    expect(page.locator("#ticket-stage")).to_have_text("待受理")
    expect(timeline(page)).to_have_count(1)
    # "继续登记" brings an empty form back
    page.goto("/intake/")
    expect(page.locator("#id_complainant_phone")).to_have_value("")

    # --- the coordinator dispatches it ------------------------------------------------------
    login(page, "coordinator")
    expect(page).to_have_url(re.compile(r"/board/$"))
    # this one (待受理) and the earlier consultation (its workflow labels the stage 待答复): a row each
    registered = page.locator("tr[data-stage=registered] [data-count=total]")
    expect(registered).to_have_count(2)
    assert sum(int(n) for n in registered.all_inner_texts()) == 2
    expect(page.locator("#stage-chart canvas")).to_have_count(1)  # ECharts, served by us, drew the stages
    shot(page, "board.png")
    page.goto(f"/tickets/{number}/")
    act(page, "dispatch", unit=HEAD_UNIT, comment="请核实该超市是否销售过期食品,按时答复")
    expect(page.locator("#ticket-stage")).to_have_text("待签收")
    expect(page.locator("#ticket-unit")).to_have_text("东湖区市场监督管理局")
    expect(timeline(page).last).to_contain_text("李建国")

    # --- the head signs and assigns; someone else acting first is shown clearly -------------
    login(page, "head")
    expect(page).to_have_url(re.compile(r"/work/\?tab=unit$"))
    expect(page.locator(f"#row-{number}")).to_be_visible()
    expect(page.locator(f"#row-{stalled.number} .due-mark")).to_have_text("已超期")
    shot(page, "worklist.png")
    open_from_worklist(page, number, tab="unit")
    other_tab = context.new_page()  # the same head has the ticket open twice
    other_tab.goto(f"/tickets/{number}/")
    act(page, "sign")
    expect(page.locator("#ticket-stage")).to_have_text("待指派")
    # in the stale tab, signing again is refused with a readable banner, nothing is lost
    other_tab.locator("#action-sign button[data-action=sign]").click()
    banner = other_tab.locator("#ticket-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("陈志强")
    expect(other_tab.locator("#ticket-stage")).to_have_text("待指派")
    shot(other_tab, "ticket-conflict.png")
    other_tab.close()
    act(page, "assign", handler="handler", comment="请三日内核实")
    expect(page.locator("#ticket-stage")).to_have_text("办理中")
    expect(page.locator("#ticket-handler")).to_have_text("刘芳")

    # --- the handler replies ------------------------------------------------------------------
    login(page, "handler")
    expect(page).to_have_url(re.compile(r"/work/\?tab=mine$"))
    open_from_worklist(page, number, tab="mine")
    act(page, "reply", result="经现场检查,该超市确有过期牛奶在售,已责令下架并退还货款。")
    expect(page.locator("#ticket-stage")).to_have_text("待回访")
    expect(page.locator("#action-reply")).to_have_count(0)  # nothing more for the handler here

    # --- the coordinator calls back: dissatisfied --------------------------------------------
    login(page, "coordinator")
    page.goto("/callbacks/")
    expect(page.locator(f"#callback-{number}")).to_be_visible()
    page.locator(f"#callback-{number} a").first.click()
    expect(page.locator("#ticket-number")).to_have_text(number)
    shot(page, "ticket.png")
    act(page, "return_visit", satisfaction="dissatisfied", comment="诉求人表示未获赔偿,不满意")
    expect(page.locator("#ticket-stage")).to_have_text("未解决待重派")
    expect(page.locator("#ticket-satisfaction")).to_have_text("不满意")

    # --- the follow-up sweep starts the second round by itself -------------------------------
    report = run_sweep()
    assert report.redispatched == 1, str(report)
    page.reload()
    expect(page.locator("#ticket-stage")).to_have_text("待签收")
    expect(page.locator("#ticket-body")).to_contain_text("第2轮派单")
    expect(page.locator("#ticket-supervised")).to_be_visible()  # hotline-12345: round 2 is supervised
    expect(page.locator("#ticket-unit")).to_have_text("东湖区市场监督管理局")
    expect(timeline(page).last).to_contain_text("第2轮")
    ticket.refresh_from_db()
    assert ticket.round == 2 and ticket.supervised

    # --- round 2: the head signs and assigns, the handler replies -----------------------------
    login(page, "head")
    open_from_worklist(page, number, tab="unit")
    act(page, "sign")
    act(page, "assign", handler="handler")
    login(page, "handler")
    open_from_worklist(page, number, tab="mine")
    act(page, "reply", result="已协调超市按规定赔偿十倍货款,诉求人已收到赔偿。")

    # --- the caller follows the ticket on the public portal and rates it ---------------------
    page.context.clear_cookies()  # the caller's own browser: no staff session
    page.goto(f"/public/track/?number={number}")
    page.locator("#id_code").fill(code)
    page.locator("#track-button").click()
    expect(page.locator("#progress-events")).to_contain_text("已协调超市按规定赔偿十倍货款")
    expect(page.locator("#progress")).not_to_contain_text("诉求人表示未获赔偿")  # internal notes stay inside
    page.locator("#progress-rate").click()
    expect(page).to_have_url(re.compile(rf"/public/rate/{number}/$"))
    page.locator("#rate-form input[name=satisfaction][value=satisfied]").check()
    page.locator("#id_comment").fill("已收到赔偿,谢谢")
    shot(page, "portal-rate.png")
    page.locator("#rate-button").click()
    expect(page.locator("#rate-closed")).to_be_visible()  # rated: the form is gone
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.satisfaction) == ("visited", "satisfied")

    # --- the coordinator closes -----------------------------------------------------------------
    login(page, "coordinator")
    page.goto(f"/tickets/{number}/")
    expect(page.locator("#ticket-stage")).to_have_text("待办结")
    expect(timeline(page).last).to_contain_text("公众门户")
    act(page, "close", closing_code="handled", result="经两轮办理,超市已下架过期商品并赔偿,诉求人满意。")
    expect(page.locator("#ticket-stage")).to_have_text("已办结")
    expect(page.locator("#action-close")).to_have_count(0)
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.status, ticket.round) == ("closed", "closed", 2)
    # the whole history is on the page, in order
    actions = [timeline(page).nth(i).get_attribute("data-event") for i in range(timeline(page).count())]
    assert actions == [
        "register", "dispatch", "sign", "assign", "reply", "return_visit",
        "redispatch", "sign", "assign", "reply", "return_visit", "close",
    ]  # fmt: skip

    # --- the caller sees the result ---------------------------------------------------------
    page.context.clear_cookies()
    page.goto(f"/public/track/?number={number}")
    page.locator("#id_code").fill(code)
    page.locator("#id_code").press("Enter")
    expect(page.locator("#progress-stage")).to_have_text("已办结")
    expect(page.locator("#progress-result")).to_contain_text("诉求人满意")
    assert "张女士" not in page.content() and PHONE not in page.content()
    shot(page, "portal-track.png")

    # --- the remaining main pages, once each ---------------------------------------------------
    login(page, "coordinator")
    page.goto("/notifications/")
    expect(page.locator("#notification-list")).to_be_visible()
    # --- the leader supervises the stalled complaint from the approvals inbox ---------------
    login(page, "leader")
    expect(page).to_have_url(re.compile(r"/approvals/$"))
    waiting = page.locator(f"#approvals-supervise #row-{stalled.number}")
    expect(waiting).to_be_visible()
    shot(page, "approvals.png")
    waiting.locator("a.ticket-link").click()
    act(page, "supervise", comment="请东湖区市场监管局两日内办结并报结果")
    expect(page.locator("#ticket-supervised")).to_be_visible()
    page.goto("/approvals/")
    expect(page.locator(f"#approvals-supervise #row-{stalled.number}")).to_have_count(0)
    page.goto("/notifications/")
    expect(page.locator("#notification-list")).to_be_visible()
    login(page, "head")
    page.goto("/notifications/")
    expect(page.locator("#notification-list")).to_be_visible()
    login(page, "teamlead")
    expect(page).to_have_url(re.compile(r"/work/\?tab=unit$"))
    page.goto("/intake/blocklist/")
    expect(page.locator("#blocklist-pending")).to_be_visible()
    login(page, "admin")
    page.goto("/packs/")
    expect(page.locator("#pack-hotline-12345")).to_be_visible()
