"""规范应答 in a real browser (issue: knowledge, items 3 and 4; 004 L28–60).

An agent of a telecom centre takes a call about crossed lines: the intake screen suggests
the interconnection script from the words typed, the agent asks its three questions, one
key each, reads out the wording shown, and one action (through the read-back) closes the
call; with another answer the same action dispatches the ticket with the promised reply
time. The service phrases are beside the form.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hotline.calendar.services import compute_deadline
from hotline.core.formatting import deadline_text
from hotline.demo.seed import DemoOrg, seed_org
from hotline.knowledge.models import Phrase, Script, Situation
from hotline.tickets.models import Ticket
from tests.browser.conftest import PASSWORD, login
from tests.web.test_script_walk import WORDING, interconnection_script

pytestmark = pytest.mark.browser


@pytest.fixture
def telecom(live_server: Any) -> DemoOrg:
    """The demo organisation under the ``telecom`` pack (its agent closes and dispatches)."""
    return seed_org(password=PASSWORD, policy="telecom")


@pytest.fixture
def script(telecom: DemoOrg) -> Script:
    Phrase.objects.create(situation=Situation.GREETING, text="您好,客服热线,很高兴为您服务!")
    Phrase.objects.create(situation=Situation.HOLD, text="请您稍候,我为您查询。")
    Phrase.objects.create(situation=Situation.TRANSFER, text="这就为您转接,请不要挂机。")
    Phrase.objects.create(situation=Situation.CLOSING, text="感谢您的来电,祝您生活愉快,再见!")
    return interconnection_script()


def take_the_call(page: Page, subject: str) -> None:
    login(page, "agent")
    expect(page).to_have_url(re.compile(r"/intake/$"))
    page.locator("#id_complainant_phone").fill("13700001234")
    page.locator("#id_subject").fill(subject)
    page.locator("#id_description").fill("这几天拨打朋友的联通号码,经常串到陌生人那里。")


def test_yes_no_no_closes_the_call_in_one_action_with_the_keyboard(page: Page, script: Script) -> None:
    take_the_call(page, "拨打联通号码总是串线")
    # the phrases of each situation are beside the form, the greeting open
    expect(page.locator("#phrases-greeting")).to_contain_text("很高兴为您服务")
    expect(page.locator("#phrases-hold summary")).to_have_text("请稍候")
    expect(page.locator("#phrases-transfer summary")).to_have_text("转接")
    expect(page.locator("#phrases-closing summary")).to_have_text("结束语")

    # the words typed suggest the script; Alt+K goes to it, Enter opens it
    suggestion = page.locator("#script-suggestions [data-script=interconnection]")
    expect(suggestion).to_be_visible()
    page.keyboard.press("Alt+k")
    expect(suggestion).to_be_focused()
    # a slow machine: htmx binds the panel's listeners only when it settles; keys pressed
    # before that must not be lost (the first question is focused once they listen)
    page.evaluate("htmx.config.defaultSettleDelay = 400")
    page.keyboard.press("Enter")
    expect(page.locator("#script-title")).to_have_text("互联互通")
    expect(page.locator("#script-symptom")).to_contain_text("串线")
    expect(page.locator("#answer-1-yes")).to_be_focused()  # the first question is asked

    # one key per question; the focus moves on
    page.keyboard.press("y")
    expect(page.locator("#answer-2-yes")).to_be_focused()
    page.keyboard.press("n")
    expect(page.locator("#answer-3-yes")).to_be_focused()
    page.keyboard.press("n")

    # the outcome, live: the judgement and the wording to read; the action has the focus
    # (answers keyed faster than the server answers: the last one is judged after the others)
    expect(page.locator("#script-label")).to_have_text("互联互通问题")
    expect(page.locator("#script-wording")).to_contain_text(WORDING[:20])
    expect(page.locator("#script-notes")).to_contain_text("来电人要求退费")
    act = page.locator("#script-act")
    expect(act).to_have_text(re.compile("按应答办结"))
    expect(act).to_be_focused()
    assert not Ticket.objects.exists()

    # Enter: the read-back (复述确认) with the outcome; Enter again saves
    page.keyboard.press("Enter")
    expect(page.locator("#readback-script")).to_contain_text("互联互通问题")
    expect(page.locator("#readback-result")).to_contain_text(WORDING[:20])
    expect(page.locator("#readback-stage")).to_contain_text("已办结")
    expect(page.locator("#phrases-closing")).to_have_attribute("open", "")  # now the closing words
    expect(page.locator("#readback-confirm")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/intake/done/\d{14}/$"))
    expect(page.locator("#intake-result h1")).to_have_text("已登记并当场办结")
    expect(page.locator("#result-script")).to_contain_text("互联互通问题")
    ticket = Ticket.objects.get()
    assert ticket.status == "closed"
    assert [e.action for e in ticket.events.order_by("seq")] == ["register", "answer_script", "close"]
    assert ticket.events.get(action="close").payload["result"] == WORDING
    assert ticket.events.get(action="answer_script").payload["answers"] == {"1": True, "2": False, "3": False}

    # the ticket's history has the walk
    page.locator("#result-ticket-link").click()
    walk = page.locator("#timeline [data-event=answer_script]")
    expect(walk).to_contain_text("规范应答")
    expect(walk).to_contain_text("互联互通问题")


def test_another_answer_gets_a_dispatched_ticket_with_the_promised_time(page: Page, script: Script) -> None:
    take_the_call(page, "拨打异网电话有时打不通")
    # picked from the list of every script, answered with the mouse
    page.locator("#script-choice").select_option(label="互联互通")
    expect(page.locator("#script-title")).to_have_text("互联互通")
    page.locator("label[for=answer-1-yes]").click()
    page.locator("label[for=answer-2-yes]").click()  # it never got through before: not interconnection
    expect(page.locator("#script-pending")).to_contain_text("第3条")
    page.locator("label[for=answer-3-no]").click()

    expect(page.locator("#script-label")).to_have_text("非互联互通问题")
    expect(page.locator("#script-unit")).to_contain_text("东湖区市场监督管理局")
    expect(page.locator("#script-promised")).to_contain_text("2个工作日")
    shown_due = page.locator("#script-promised-at").inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown_due)
    page.locator("#script-act").click()  # 按应答派单

    expect(page.locator("#readback-unit")).to_have_text("东湖区市场监督管理局")
    expect(page.locator("#readback-promised")).to_contain_text("2个工作日")
    expect(page.locator("#readback-stage")).to_contain_text("待签收")
    page.locator("#readback-confirm").click()

    expect(page).to_have_url(re.compile(r"/intake/done/\d{14}/$"))
    expect(page.locator("#intake-result h1")).to_have_text("登记成功")
    expect(page.locator("#result-script")).to_contain_text("我们将在2个工作日内给您答复")
    ticket = Ticket.objects.get()
    assert ticket.stage == "dispatched" and ticket.unit.code == "JZ-DH-SJ"
    assert [e.action for e in ticket.events.order_by("seq")] == [
        "register",
        "answer_script",
        "accept",
        "dispatch",
    ]
    walk = ticket.events.get(action="answer_script")
    promised_at = datetime.fromisoformat(walk.payload["promised_at"])
    assert promised_at == compute_deadline(start=walk.created_at, amount=2, unit="working_days").due_at
    expect(page.locator("#result-script")).to_contain_text(deadline_text(promised_at))


def test_a_missing_answer_is_said_in_chinese_and_nothing_is_saved(page: Page, script: Script) -> None:
    take_the_call(page, "拨打联通号码总是串线")
    page.locator("#script-suggestions [data-script=interconnection]").click()
    page.locator("label[for=answer-1-yes]").click()
    expect(page.locator("#script-pending")).to_contain_text("第2、3条")
    page.locator("#script-act").click()  # 按应答登记, two questions not asked
    expect(page.locator("#script-error")).to_have_text("请回答第2条询问要点(是或否)")
    expect(page.locator("#id_subject")).to_have_value("拨打联通号码总是串线")
    expect(page.locator("#answer-1-yes")).to_be_checked()
    expect(page.locator("#answer-2-yes")).to_be_focused()  # asked next
    assert not Ticket.objects.exists()
