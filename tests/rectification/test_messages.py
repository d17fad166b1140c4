"""Rectification messages speak of the notice, not of a ticket: their own kinds, the notice's
number, unit, status and deadline, a link to its page, in the site's language — and the
unit's head hears when the notice is verified."""

from __future__ import annotations

from django.utils import translation

from hotline.notify.models import Message
from hotline.notify.selectors import inbox_by_ticket
from hotline.rectification.services import notice_report, notice_send_back, notice_verify
from hotline.rectification.sweep import run_rectification_sweep
from tests.factories import register
from tests.helpers import local

TICKET_WORDS = ("以上工单", "当前环节", "督办", "审批")


def _one(kind, username):
    return Message.objects.get(kind=kind, channel="inapp", user__username=username)


def _speaks_of_the_notice(message, *, status):
    body = message.body
    assert "整改通知书:ZG2025-0001“窗口服务态度问题整改”\n" in body
    assert "整改单位:东湖区市场监督管理局" in body
    assert f"当前状态:{status}" in body
    assert "查看通知书:http://hotline.test/rectifications/ZG2025-0001/" in body
    assert message.ticket is None
    assert not [w for w in TICKET_WORDS if w in message.subject + body]
    assert not [line for line in body.splitlines() if line.startswith("工单:")]


def test_a_new_notice_tells_the_head_what_to_do_by_when_with_a_link(org, issue, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = "http://hotline.test/"
    ticket = register(org.users["agent"], policy="enterprise")
    issue(ticket=ticket)
    message = _one("rectification_issued", "head")
    assert message.subject == "新整改通知书:ZG2025-0001 窗口服务态度问题整改"
    _speaks_of_the_notice(message, status="待整改")
    body = message.body
    assert body.startswith("东湖区市场监督管理局:")
    assert "(整改期限 2025-11-06 17:30)" in body
    assert f"相关工单:{ticket.number}" in body
    assert "江州市12345热线中心向您单位下发整改通知书,请于2025-11-06 17:30前完成整改并报送整改报告。" in body
    assert "存在问题:本月多次被投诉窗口人员态度生硬。" in body
    assert "整改要求:组织窗口人员培训,建立首问负责制度,报送整改报告。" in body


def test_a_notice_about_no_ticket_names_none(org, issue, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = "http://hotline.test"
    issue()
    assert "相关工单" not in _one("rectification_issued", "head").body


def test_report_send_back_and_verify_each_tell_the_other_side(org, issue, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = "http://hotline.test"
    users = org.users
    notice = issue()
    notice = notice_report(
        notice=notice, actor=users["head"], text="已组织培训。", now=local("2025-11-04 09:00")
    )
    reported = _one("rectification_reported", "coordinator")
    assert reported.subject == "待验证整改报告:ZG2025-0001 窗口服务态度问题整改"
    _speaks_of_the_notice(reported, status="待验证")
    assert "东湖区市场监督管理局已报送整改报告(第1份),请验证整改结果" in reported.body
    assert "逾期提交" not in reported.body
    assert "整改报告:已组织培训。" in reported.body

    notice = notice_send_back(
        notice=notice,
        actor=users["coordinator"],
        reason="缺少制度文件。",
        days=2,
        now=local("2025-11-04 15:00"),
    )
    sent_back = _one("rectification_sent_back", "head")
    assert sent_back.subject == "整改报告被退回:ZG2025-0001 窗口服务态度问题整改"
    _speaks_of_the_notice(sent_back, status="退回重改")
    assert "并于新的整改期限2025-11-06 17:30前重新报送整改报告" in sent_back.body
    assert "退回理由:缺少制度文件。" in sent_back.body

    notice = notice_report(
        notice=notice, actor=users["head"], text="已印发制度。", now=local("2025-11-07 09:00")
    )
    second = Message.objects.filter(kind="rectification_reported", channel="inapp").order_by("pk").last()
    assert "(第2份),逾期提交," in second.body

    notice_verify(
        notice=notice, actor=users["coordinator"], comment="整改到位", now=local("2025-11-07 10:00")
    )
    verified = _one("rectification_verified", "head")
    assert verified.subject == "整改已验证通过:ZG2025-0001 窗口服务态度问题整改"
    _speaks_of_the_notice(verified, status="已验证")
    assert "已验证通过,本整改通知书办结" in verified.body
    assert "验证意见:整改到位" in verified.body
    assert verified.created_at == local("2025-11-07 10:00")


def test_a_send_back_without_a_new_deadline_keeps_the_old_one(org, issue):
    users = org.users
    notice = issue()
    notice = notice_report(notice=notice, actor=users["head"], text="已整改。", now=local("2025-11-04 09:00"))
    notice_send_back(
        notice=notice, actor=users["coordinator"], reason="不完整", now=local("2025-11-04 15:00")
    )
    body = _one("rectification_sent_back", "head").body
    assert "于2025-11-06 17:30前重新报送整改报告" in body and "新的整改期限" not in body


def test_a_send_back_after_the_deadline_asks_for_the_report_soon(org, issue):
    users = org.users
    notice = issue()
    notice = notice_report(notice=notice, actor=users["head"], text="已整改。", now=local("2025-11-06 09:00"))
    notice_send_back(
        notice=notice, actor=users["coordinator"], reason="不完整", now=local("2025-11-07 09:00")
    )
    body = _one("rectification_sent_back", "head").body
    assert "尽快重新报送整改报告(整改期限2025-11-06 17:30已过)" in body


def test_the_sweep_reminds_and_escalates_in_notice_words(org, issue, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = "http://hotline.test"
    issue()
    run_rectification_sweep(local("2025-11-05 17:31"))
    due_soon = _one("rectification_due_soon", "head")
    _speaks_of_the_notice(due_soon, status="待整改")
    assert "整改期限为2025-11-06 17:30(距整改期限还剩1个工作日),您单位尚未报送整改报告" in due_soon.body

    run_rectification_sweep(local("2025-11-10 09:00"))  # Fri 7 Nov closed: one working day late
    overdue = _one("rectification_overdue", "head")
    assert overdue.subject == "已超期1个工作日:ZG2025-0001 窗口服务态度问题整改"
    _speaks_of_the_notice(overdue, status="待整改")
    assert "整改期限2025-11-06 17:30,已超期1个工作日,您单位仍未报送整改报告" in overdue.body
    for username in ("leader", "coordinator"):
        escalated = _one("rectification_escalated", username)
        assert escalated.subject == "整改超期上报(已超期1个工作日):ZG2025-0001 窗口服务态度问题整改"
        _speaks_of_the_notice(escalated, status="待整改")
        assert (
            "东湖区市场监督管理局未在整改期限2025-11-06 17:30前报送整改报告(已超期1个工作日),现上报分管领导"
            in (escalated.body)
        )


def test_messages_are_written_in_the_site_language(org, issue):
    users = org.users
    with translation.override("en"):
        notice = issue()
        notice = notice_report(
            notice=notice, actor=users["head"], text="已整改。", now=local("2025-11-04 09:00")
        )
    for message in Message.objects.filter(channel="inapp"):
        assert "Awaiting" not in message.body
    assert "当前状态:待整改" in _one("rectification_issued", "head").body
    assert "当前状态:待验证" in _one("rectification_reported", "coordinator").body


def test_the_inbox_shows_notice_messages_in_the_group_about_no_ticket(org, issue):
    issue()
    groups, _ = inbox_by_ticket(org.users["head"])
    assert [(g.ticket, g.latest.kind, g.count) for g in groups] == [(None, "rectification_issued", 1)]
    assert "/rectifications/ZG2025-0001/" in groups[0].latest.body
