"""Issue 15, "a day at the workbench", in a real browser: one test per item not covered by
test_workbench_details.py and test_staff_journey.py (items 1, 2, 3, 6, 9 and 10).

State is built through the services (registration, transitions, the follow-up sweep), then
looked at and acted on as the demo user who would. The demo's pack is hotline-12345.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from hotline.demo.seed import DemoOrg
from hotline.followup.services import run_sweep
from hotline.notify.models import Message, MessageChannel
from hotline.portal import antiabuse
from hotline.tickets.models import Ticket, TicketEvent
from hotline.web.formatting import deadline_text
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import ticket_transition
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

UNIT = "JZ-DH-SJ"  # 东湖区市场监督管理局: head 陈志强, handler 刘芳
UNIT_NAME = "东湖区市场监督管理局"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning of ordinary working days (no rest day, outside quiet hours), so that the
# sweep's reminders fall when the pack lets them out.
TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)


def register(
    users: dict[str, Any],
    subject: str,
    *,
    phone: str = "13607310002",
    type: str = "complaint",
    by: str = "agent",
    now: datetime | None = None,
) -> Ticket:
    return ticket_register(
        draft=TicketDraft(
            type=type,
            channel="phone",
            subject=subject,
            description=f"{subject}:来电人详细反映的情况。",
            complainant=Person(name="周先生", phone=phone),
        ),
        actor=users[by],
        now=now,
    )


def advance(ticket: Ticket, users: dict[str, Any], *steps: str, now: datetime | None = None) -> Ticket:
    """Take the journey's next steps, each by the demo user who does it: dispatch (to UNIT),
    sign, assign (to the handler), reply, return visit (satisfied), close."""
    plan = {
        "accept": ("agent", {}),
        "dispatch": ("coordinator", {"unit": UNIT}),
        "sign": ("head", {}),
        "assign": ("head", {"handler": "handler"}),
        "reply": ("handler", {"result": "已到现场核实处理,并电话告知诉求人处理结果。"}),
        "return_visit": ("coordinator", {"satisfaction": "satisfied", "comment": "诉求人表示满意"}),
        "close": ("coordinator", {"closing_code": "handled", "result": "已维修完毕,诉求人满意。"}),
    }
    for step in steps:
        who, params = plan[step]
        ticket = ticket_transition(
            ticket=ticket, action=step, actor=users[who], params=params, now=now
        ).ticket
    return ticket


def act(page: Page, action: str) -> None:
    """Open the action's form on the ticket page (one is open at a time) and submit it."""
    events = page.locator("#timeline > li").count()
    item = page.locator(f"#action-item-{action}")
    if item.get_attribute("open") is None:
        item.locator("summary").click()
    page.locator(f"#action-{action} button[data-action='{action}']").click()
    expect(page.locator("#timeline > li")).to_have_count(events + 1)


def header_badges(page: Page) -> Locator:
    return page.locator("#ticket-status-badge").locator("xpath=..").locator(".badge")


# --- item 1: the inbox ---------------------------------------------------------------------------


def test_inbox_groups_by_ticket_shows_context_and_marks_all_read(page: Page, demo: DemoOrg) -> None:
    users = demo.users
    head = users["head"]
    # Two tickets dispatched to the head's unit on a Tuesday morning; nobody signs them
    noisy = advance(register(users, "楼上装修噪声扰民", now=TUESDAY), users, "dispatch", now=TUESDAY)
    other = advance(register(users, "小区门口占道经营", now=TUESDAY), users, "dispatch", now=TUESDAY)
    # the sweep runs again only the next day at noon (a worker outage): both are a day late,
    # past all three escalation steps at once
    report = run_sweep(now=TUESDAY + timedelta(days=1, hours=3))
    assert report.errors == []

    # Then the head got one escalation per ticket, the latest step, saying which were skipped
    inbox = Message.objects.filter(user=head, channel=MessageChannel.INAPP)
    for ticket in (noisy, other):
        escalations = inbox.filter(ticket=ticket, kind="escalated")
        assert escalations.count() == 1, list(escalations.values_list("subject", flat=True))
    unread = inbox.filter(read_at__isnull=True).count()
    assert unread == 4  # each ticket: dispatched, escalated

    login(page, "head")
    expect(page.locator("#unread-count")).to_have_text(str(unread))  # on every page's menu
    page.locator("#nav-notifications").click()
    groups = page.locator("#notification-list > li[id^=notification-group-]")
    expect(groups).to_have_count(2)  # grouped by ticket, not four rows
    group = page.locator(f"#notification-group-{noisy.pk}")
    expect(group).to_contain_text("共2条")
    expect(group).to_contain_text("未读2条")
    # the newest message stands for the group: subject, how late, the unit and the stage
    expect(group).to_contain_text(f"超期上报(已超期25小时):{noisy.number} 楼上装修噪声扰民")
    body = group.locator(".notification-body")
    expect(body).to_contain_text(f"当前单位:{UNIT_NAME}")
    expect(body).to_contain_text("当前环节:待签收")
    expect(body).to_contain_text("同时到达的超期升级第1级、超期升级第2级未单独发送")
    expect(group.locator(f"a[href='/tickets/{noisy.number}/']")).to_be_visible()

    # When the head marks everything read
    page.locator("#mark-all-read").click()

    # Then the menu's count is gone and no group says unread
    expect(page.locator("#notification-list")).to_be_visible()
    expect(page.locator("#unread-count")).to_have_count(0)
    expect(groups).to_have_count(2)
    expect(page.locator("#notification-list")).not_to_contain_text("未读")
    assert inbox.filter(read_at__isnull=True).count() == 0


# --- item 2: one badge, stage labels that differ --------------------------------------------------


def test_one_status_badge_and_distinct_stage_labels(page: Page, demo: DemoOrg) -> None:
    users = demo.users
    fresh = register(users, "路灯不亮")
    register(users, "人行道地砖松动")
    register(users, "咨询公租房申请条件", type="consultation")
    waiting = advance(register(users, "井盖缺失"), users, "accept")
    handling = advance(register(users, "夜间施工噪声"), users, "dispatch", "sign", "assign")

    # the agent accepts (受理) a ticket: the badge changes from 待受理 to 待派单
    login(page, "agent")
    page.goto(f"/tickets/{fresh.number}/")
    expect(page.locator("#ticket-status-badge")).to_have_count(1)
    expect(page.locator("#ticket-stage")).to_have_text("待受理")
    act(page, "accept")
    expect(page.locator("#ticket-stage")).to_have_text("待派单")
    texts = header_badges(page).all_inner_texts()
    assert sum("待派单" in t for t in texts) == 1, texts

    # in handling, the stage (办理中) and the status (办理中) are one badge, not two
    login(page, "coordinator")
    page.goto(f"/tickets/{handling.number}/")
    expect(page.locator("#ticket-stage")).to_have_text("办理中")
    texts = header_badges(page).all_inner_texts()
    assert sum("办理中" in t for t in texts) == 1, texts
    assert len(texts) == len(set(texts)), texts

    # the board: one row per stage label, no two rows of the pack's stages say the same
    page.goto("/board/")
    rows = page.locator("#stage-counts tbody tr[data-stage]")
    expect(rows).to_have_count(4)
    labels = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert sorted(labels) == sorted(["待受理", "待答复", "待派单", "办理中"]), labels
    accepted = page.locator("tr[data-stage=accepted]")
    expect(accepted.locator("td").first).to_have_text("待派单")
    expect(accepted.locator("[data-count=total]")).to_have_text("2")  # the one accepted here too
    assert waiting.stage == "accepted"


# --- item 3: phone numbers -----------------------------------------------------------------------


def test_intake_refuses_bad_phones_keeps_the_text_and_formats_good_ones(
    page: Page, demo: DemoOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(page, "agent")
    expect(page).to_have_url(re.compile(r"/intake/$"))
    page.locator("#id_subject").fill("小区垃圾清运不及时")
    page.locator("#id_description").fill("垃圾桶三天没有清运,气味很大。")
    phone = page.locator("#id_complainant_phone")
    error = page.locator("[data-error-for='complainant.phone']")

    for typed in ("123", "1" + "3" * 29):  # too short; 30 digits
        phone.fill(typed)
        page.locator("#intake-save").click()
        expect(error).to_be_visible()
        expect(error).to_contain_text("电话号码格式不正确")
        expect(phone).to_have_value(typed)  # what was typed is kept
        expect(page.locator("#id_subject")).to_have_value("小区垃圾清运不及时")
        expect(page.locator("#id_description")).to_have_value("垃圾桶三天没有清运,气味很大。")
    assert not Ticket.objects.filter(subject="小区垃圾清运不及时").exists()

    # typed with spaces: read back formatted, stored normalised
    phone.fill("139 0731 0099")
    page.locator("#intake-save").click()
    expect(page.locator("#readback-phone")).to_have_text("139 0731 0099")
    page.locator("#readback-confirm").click()
    expect(page).to_have_url(re.compile(r"/intake/done/\d{14}/$"))
    ticket = Ticket.objects.get(subject="小区垃圾清运不及时")
    assert ticket.complainant_phone == "+8613907310099"
    login(page, "coordinator")  # an identity role: sees the number in full
    page.goto(f"/tickets/{ticket.number}/")
    expect(page.locator("#identity")).to_contain_text("139 0731 0099")
    expect(page.locator("#identity")).not_to_contain_text("+86")

    # the portal refuses "12" too, readably, keeping the text (sent as a person would: not
    # sooner than the form's minimum time, which would first ask to send again)
    monkeypatch.setattr(antiabuse, "MIN_FILL_SECONDS", 0)
    page.context.clear_cookies()
    page.goto("/public/submit/")
    page.locator("#id_subject").fill("公交站台破损")
    page.locator("#id_description").fill("站台顶棚破了一个大洞,下雨天无法候车。")
    page.locator("#id_name").fill("吴女士")
    page.locator("#id_phone").fill("12")
    page.locator("#submit-button").click()
    expect(page.locator("#group-phone .invalid-feedback")).to_contain_text("电话号码格式不正确")
    expect(page.locator("#id_phone")).to_have_value("12")
    expect(page.locator("#id_description")).to_have_value("站台顶棚破了一个大洞,下雨天无法候车。")
    assert not Ticket.objects.filter(subject="公交站台破损").exists()


# --- item 6: the worklist ------------------------------------------------------------------------


def test_worklist_search_by_phone_total_pages_and_mine_versus_unit(page: Page, demo: DemoOrg) -> None:
    users = demo.users
    # the coordinator registered a page and a bit of tickets; the agent one, for a caller
    # whose number the agent will type another way
    for i in range(51):
        register(users, f"共享单车乱停放第{i + 1}处", phone=f"1360731{i:04d}", by="coordinator")
    own = register(users, "燃气表读数异常", phone="13907310066")
    visible = Ticket.objects.count()
    assert visible == 52

    login(page, "agent")
    # 我的工单: what the agent registered (首问负责)
    page.goto("/work/?tab=mine")
    expect(page.locator("#tab-hint")).to_contain_text("我登记的")
    expect(page.locator("#worklist-total")).to_have_attribute("data-total", "1")
    expect(page.locator(f"#row-{own.number}")).to_be_visible()
    expect(page.locator("#worklist-table tbody tr.ticket-row")).to_have_count(1)
    # 本单位: the centre's tickets, the colleague's too — a different list
    page.locator("#tab-unit").click()
    expect(page.locator("#worklist-total")).to_have_attribute("data-total", str(visible))
    expect(page.locator("#worklist-total")).to_contain_text(str(visible))
    expect(page.locator("#worklist-table tbody tr.ticket-row")).to_have_count(50)

    # page numbers: two pages; the second holds the rest
    numbers = page.locator("#page-numbers")
    expect(numbers.locator("a[data-page='2']")).to_be_visible()
    expect(numbers.locator(".page-item.active")).to_have_text("1")
    numbers.locator("a[data-page='2']").click()
    expect(numbers.locator(".page-item.active")).to_have_text("2")
    expect(page.locator("#worklist-table tbody tr.ticket-row")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"page=2"))

    # search by the caller's phone, typed with the country code and dashes
    page.goto("/work/?tab=unit")
    page.locator("#id_q").fill("+86 139-0731-0066")
    page.locator("#filter-submit").click()
    expect(page.locator("#worklist-total")).to_have_attribute("data-total", "1")
    expect(page.locator(f"#row-{own.number}")).to_be_visible()
    expect(page.locator("#worklist-table tbody tr.ticket-row")).to_have_count(1)
    expect(page.locator("#page-numbers")).to_have_count(0)  # one page: no numbers


# --- item 9: 24:00 and people's names ------------------------------------------------------------


def test_deadline_at_midnight_prints_as_24_and_history_names_people(page: Page, demo: DemoOrg) -> None:
    users = demo.users
    ticket = advance(register(users, "餐馆油烟扰民"), users, "dispatch", "sign", "assign")
    # in handling, the complaint's 7 natural days end at 24:00 of the last day, stored as 00:00
    due = timezone.localtime(ticket.due_at)
    assert (due.hour, due.minute) == (0, 0), due
    last_day = due - timedelta(days=1)
    expected = f"{last_day:%Y-%m-%d} 24:00"
    assert deadline_text(ticket.due_at) == expected

    login(page, "head")
    page.goto(f"/tickets/{ticket.number}/")
    expect(page.locator("#ticket-due time")).to_have_text(expected)
    expect(page.locator("#ticket-due")).not_to_contain_text(f"{due:%m-%d} 00:00")
    expect(page.locator("#ticket-final-due time")).to_have_text(expected)
    # the history names people as the screens do elsewhere: 王晓敏, not "agent"
    actors = page.locator("#timeline > li > strong").all_inner_texts()
    assert actors == ["王晓敏", "李建国", "陈志强", "陈志强"], actors
    # and so does the worklist row
    page.goto("/work/?tab=unit")
    row = page.locator(f"#row-{ticket.number}")
    expect(row.locator("time")).to_have_text(expected)
    expect(row).to_contain_text("刘芳")


# --- item 10: the portal -------------------------------------------------------------------------


def test_portal_quick_send_is_asked_again_and_tracking_lists_public_steps(
    page: Page, demo: DemoOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a person who pasted a prepared text: the send comes well within the form's minimum time
    # (raised here so that no machine is slow enough to pass it by accident)
    monkeypatch.setattr(antiabuse, "MIN_FILL_SECONDS", 3600)
    subject = "小区电梯频繁故障"
    description = "3号楼电梯一周内停运三次,老人上下楼困难,物业一直没有修好。"
    page.goto("/public/submit/")
    page.locator("#id_subject").fill(subject)
    page.locator("#id_description").fill(description)
    page.locator("#id_name").fill("钱先生")
    page.locator("#id_phone").fill("13507310012")
    page.locator("#submit-button").click()

    # not refused, nothing lost, a neutral request to send again
    confirm = page.locator("#submit-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("您填写的内容都已保留")
    expect(page.locator("#submit-refusal")).to_have_count(0)
    expect(page.locator("#id_subject")).to_have_value(subject)
    expect(page.locator("#id_description")).to_have_value(description)
    expect(page.locator("#id_phone")).to_have_value("13507310012")
    assert not Ticket.objects.filter(subject=subject).exists()

    # sending again (still at once) works
    page.locator("#submit-button").click()
    expect(page).to_have_url(re.compile(r"/public/submitted/"))
    number = page.locator("#receipt-number").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.subject == subject

    # staff take it through to a reply
    advance(ticket, demo.users, "dispatch", "sign", "assign", "reply", "return_visit", "close")

    # the tracking page lists each public step with its date and time
    page.goto(f"/public/track/?number={number}")
    page.locator("#id_code").fill(code)
    page.locator("#track-button").click()
    steps = page.locator("#progress-events > li.portal-step[data-event]")
    public = list(TicketEvent.objects.filter(ticket=ticket, public=True).order_by("seq"))
    assert len(public) >= 3 and {"register", "reply"} <= {e.action for e in public}, public
    expect(steps).to_have_count(len(public))
    for i, event in enumerate(public):
        step = steps.nth(i)
        expect(step).to_have_attribute("data-event", event.action)
        at = timezone.localtime(event.created_at)
        expect(step.locator("time")).to_have_text(f"{at:%Y-%m-%d %H:%M}")
        expect(step.locator(".portal-step-label")).not_to_be_empty()
    expect(page.locator("#progress-events")).to_contain_text("已到现场核实处理")
    internal = TicketEvent.objects.filter(ticket=ticket, public=False).values_list("action", flat=True)
    for action in internal:
        expect(page.locator(f"#progress-events > li[data-event='{action}']")).to_have_count(0)
