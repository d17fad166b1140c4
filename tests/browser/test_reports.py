"""The report centre in a real browser (issue 11's Done-when): the coordinator opens last
month's report, sees the charts drawn, drills from a unit's overdue count to its tickets and
sees exactly those, and downloads the month's analysis report as PDF and Excel; hot topics
load after the first screen. Any JavaScript or CSP error fails."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hotline.demo.seed import DemoOrg
from hotline.org.models import Unit
from hotline.reports.documents.services import document_generate, parse_period
from hotline.reports.facts import TZ
from hotline.tickets.models import Ticket
from hotline.web.views.reports import last_month
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import allowed_actions, ticket_transition
from tests.browser.conftest import Shot, login

pytestmark = pytest.mark.browser


def overdue_at(users: dict[str, Any], unit: str, at: datetime, subject: str) -> Ticket:
    """Registered at ``at`` and dispatched to ``unit`` ten minutes later; never signed, so its
    two-hour limit passed that same day."""
    ticket = ticket_register(
        draft=TicketDraft(
            type="complaint",
            channel="phone",
            subject=subject,
            description="多次反映无人处理。",
            complainant=Person(name="周先生", phone="13607310002"),
        ),
        actor=users["agent"],
        now=at,
    )
    for action, who in (("accept", "coordinator"), ("instruct", "leader")):
        if "dispatch" not in allowed_actions(ticket, users["coordinator"]) and action in allowed_actions(
            ticket, users[who]
        ):
            params = {"instruction": "请依法处理"} if action == "instruct" else {}
            ticket = ticket_transition(
                ticket=ticket, action=action, actor=users[who], params=params, now=at + timedelta(minutes=5)
            ).ticket
    return ticket_transition(
        ticket=ticket,
        action="dispatch",
        actor=users["coordinator"],
        params={"unit": unit},
        now=at + timedelta(minutes=10),
    ).ticket


def test_coordinator_drills_from_a_units_overdue_count_to_its_tickets(
    page: Page, demo: DemoOrg, shot: Shot
) -> None:
    users = demo.users
    start, _end = last_month(timezone.localdate())
    day = datetime.combine(start + timedelta(days=9), time(9, 0), tzinfo=TZ)
    mine = [
        overdue_at(users, "JZ-DH-SJ", day, "小区夜间施工噪声扰民"),
        overdue_at(users, "JZ-DH-SJ", day + timedelta(days=1), "餐馆油烟扰民"),
    ]
    elsewhere = overdue_at(users, "JZ-XS-ZJ", day + timedelta(days=2), "物业停水未通知")
    unit = Unit.objects.get(code="JZ-DH-SJ")
    # last month's analysis report, as the worker makes it on the first days of a month
    document_generate(
        kind="monthly", period=parse_period("monthly", start.strftime("%Y-%m")), unit=demo.units["JZ"]
    )

    login(page, "coordinator")
    page.goto("/reports/")
    expect(page.locator("h1")).to_contain_text("报表中心")
    # the first screen is last month
    expect(page.locator("#preset-last-month")).to_have_attribute("aria-current", "true")
    expect(page.locator("#report-range")).to_contain_text(f"{start.year}年{start.month}月")
    expect(page.locator("#summary-received td").first).to_have_text("3")
    # the charts are drawn (ECharts puts a canvas in each box)
    for box in ("#chart-trend", "#chart-satisfaction", "#chart-breakdown"):
        expect(page.locator(f"{box} canvas")).to_have_count(1)
    # hot topics arrive after the first screen
    expect(page.locator("#hot-categories")).to_be_visible()
    shot(page, "reports-centre.png")

    # the month's report downloads as PDF and as Excel
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        with page.expect_download() as caught:
            page.locator(f'#report-documents a[data-format="{fmt}"]').first.click()
        download = caught.value
        assert download.suggested_filename.endswith(f".{fmt}")
        with open(download.path(), "rb") as fh:
            assert fh.read(4).startswith(magic)

    row = page.locator(f'#analysis-table tr[data-cell="{unit.pk}"]')
    expect(row.locator("th").first).to_have_text("东湖区市场监督管理局")
    count = row.locator('td[data-measure="overdue"] a')
    expect(count).to_have_text("2")
    count.click()

    page.wait_for_url(re.compile(r"/reports/drill/\?"))
    expect(page.locator("#drill-title")).to_contain_text("超期量")
    expect(page.locator("#drill-title")).to_contain_text("东湖区市场监督管理局")
    rows = page.locator("#drill-table tbody tr.ticket-row")
    expect(rows).to_have_count(2)
    shown = sorted(rows.nth(i).get_attribute("id") or "" for i in range(2))
    assert shown == sorted(f"row-{t.number}" for t in mine)
    expect(page.locator(f"#row-{elsewhere.number}")).to_have_count(0)
    shot(page, "reports-drill.png")

    # a ticket opens from the list; back to the report keeps the period
    page.locator(f"#row-{mine[0].number} a.ticket-link").click()
    expect(page.locator("body")).to_contain_text(mine[0].number)
    page.go_back()
    page.locator("#back-to-reports").click()
    expect(page.locator("#id_from")).to_have_value(start.isoformat())
