"""Done when: a notice goes to a unit and comes back verified — with the history of every step."""

from __future__ import annotations

from hotline.notify.models import Message
from hotline.rectification.models import NoticeStatus, NoticeStep, Report
from hotline.rectification.services import (
    allowed_actions,
    notice_report,
    notice_send_back,
    notice_verify,
)
from tests.factories import register
from tests.helpers import local


def test_issue_report_send_back_report_again_verified(org, issue):
    users = org.users
    ticket = register(users["agent"], policy="enterprise")

    # given a notice issued to 东湖区市场监督管理局 about a ticket, three working days
    notice = issue(ticket=ticket)
    assert notice.number == "ZG2025-0001"
    assert notice.status == NoticeStatus.ISSUED
    assert notice.issuing_unit.code == "JZ-C"
    assert notice.due_at == local("2025-11-06 17:30")  # close of the 3rd working day after
    assert notice.remind_at == local("2025-11-05 17:30")  # one working day before
    assert allowed_actions(notice, users["head"]) == ["report"]
    assert allowed_actions(notice, users["coordinator"]) == ["withdraw"]
    # the unit's head is told
    told = Message.objects.filter(user=users["head"], channel="inapp")
    assert [(m.kind, m.ticket) for m in told] == [("rectification_issued", None)]
    assert told.get().subject == "新整改通知书:ZG2025-0001 窗口服务态度问题整改"

    # when the head reports, the coordinator sends it back, the head reports again, it is verified
    notice = notice_report(
        notice=notice, actor=users["head"], text="已组织培训。", now=local("2025-11-04 09:00")
    )
    assert notice.status == NoticeStatus.REPORTED and notice.on_time is True
    assert allowed_actions(notice, users["coordinator"]) == ["verify", "send_back", "withdraw"]
    assert Message.objects.filter(user=users["coordinator"], kind="rectification_reported").count() == 1
    notice = notice_send_back(
        notice=notice, actor=users["coordinator"], reason="缺少制度文件。", now=local("2025-11-04 15:00")
    )
    assert notice.status == NoticeStatus.SENT_BACK
    assert Message.objects.filter(user=users["head"], kind="rectification_sent_back").count() == 1
    notice = notice_report(
        notice=notice, actor=users["head"], text="已培训并印发首问负责制度。", now=local("2025-11-05 11:00")
    )
    notice = notice_verify(
        notice=notice, actor=users["coordinator"], comment="整改到位", now=local("2025-11-06 10:00")
    )

    # then it is verified, on time, and every step is in the history in order
    assert notice.status == NoticeStatus.VERIFIED
    assert notice.on_time is True and notice.closed_at == local("2025-11-06 10:00")
    assert notice.version == 5
    steps = list(NoticeStep.objects.filter(notice=notice).order_by("seq"))
    assert [(s.seq, s.action, s.from_status, s.to_status) for s in steps] == [
        (1, "issue", "", "issued"),
        (2, "report", "issued", "reported"),
        (3, "send_back", "reported", "sent_back"),
        (4, "report", "sent_back", "reported"),
        (5, "verify", "reported", "verified"),
    ]
    assert [s.actor.username for s in steps] == ["coordinator", "head", "coordinator", "head", "coordinator"]
    assert steps[0].payload["ticket"] == ticket.number
    assert steps[2].comment == "缺少制度文件。" and steps[4].comment == "整改到位"
    assert list(Report.objects.filter(notice=notice).values_list("seq", "text")) == [
        (1, "已组织培训。"),
        (2, "已培训并印发首问负责制度。"),
    ]
    assert allowed_actions(notice, users["coordinator"]) == []
    assert allowed_actions(notice, users["head"]) == []
    # and the head hears of each step about the notice, the coordinator of each report
    inapp = Message.objects.filter(channel="inapp").order_by("created_at", "pk")
    assert [(m.user.username, m.kind) for m in inapp] == [
        ("head", "rectification_issued"),
        ("coordinator", "rectification_reported"),
        ("head", "rectification_sent_back"),
        ("coordinator", "rectification_reported"),
        ("head", "rectification_verified"),
    ]


def test_numbers_count_per_year(org, issue):
    assert issue().number == "ZG2025-0001"
    assert issue().number == "ZG2025-0002"
    assert issue(at="2026-01-05 10:00").number == "ZG2026-0001"


def test_send_back_with_new_deadline_counts_from_then(org, issue):
    users = org.users
    notice = issue()
    notice = notice_report(notice=notice, actor=users["head"], text="已整改。", now=local("2025-11-04 09:00"))
    notice = notice_send_back(
        notice=notice, actor=users["coordinator"], reason="不完整", days=2, now=local("2025-11-06 09:00")
    )
    assert notice.due_at == local("2025-11-10 17:30")  # Fri + Mon: two working days after Thursday
    assert notice.days == 2
    step = NoticeStep.objects.get(notice=notice, action="send_back")
    assert step.payload == {"days": 2, "due_at": notice.due_at.isoformat()}


def test_a_late_report_is_marked_late(org, issue):
    users = org.users
    notice = issue()
    notice = notice_report(
        notice=notice, actor=users["head"], text="迟交的报告", now=local("2025-11-07 09:00")
    )
    assert notice.on_time is False
    assert Report.objects.get(notice=notice).on_time is False
