"""Reminder before the deadline and escalation after it: each exactly once, through the outbox."""

from __future__ import annotations

from hotline.notify.models import Message
from hotline.rectification.models import NoticeMark, NoticeStep
from hotline.rectification.services import notice_report, notice_send_back
from hotline.rectification.sweep import run_rectification_sweep
from hotline.rectification.tasks import sweep_rectifications
from tests.helpers import local


def _steps(notice, action):
    return list(NoticeStep.objects.filter(notice=notice, action=action))


def test_nothing_before_the_reminder_time(org, issue):
    notice = issue()
    report = run_rectification_sweep(local("2025-11-05 17:00"))
    assert (report.reminders, report.escalations, report.messages) == (0, 0, 0)
    assert not NoticeMark.objects.filter(notice=notice).exists()


def test_reminder_once_to_the_head_even_if_the_sweep_runs_twice(org, issue):
    users = org.users
    notice = issue()
    first = run_rectification_sweep(local("2025-11-05 17:31"))
    second = run_rectification_sweep(local("2025-11-05 17:35"))
    assert (first.reminders, second.reminders) == (1, 0)
    due_soon = Message.objects.filter(kind="rectification_due_soon", channel="inapp")
    assert [m.user.username for m in due_soon] == ["head"]
    assert due_soon.get().subject == "整改即将到期:ZG2025-0001 窗口服务态度问题整改"
    [step] = _steps(notice, "remind")
    assert step.actor is None and step.actor_label == "系统(整改催办)"
    assert step.payload["to"] == [users["head"].pk]
    assert NoticeMark.objects.get(notice=notice, point="remind").messages == 1


def test_escalation_once_to_the_leader_and_the_issuer(org, issue):
    notice = issue()
    run_rectification_sweep(local("2025-11-06 17:31"))  # past the deadline: no reminder any more
    run_rectification_sweep(local("2025-11-07 09:00"))
    assert not _steps(notice, "remind")
    [step] = _steps(notice, "escalate")
    escalated = Message.objects.filter(kind="rectification_escalated", channel="inapp")
    assert sorted(m.user.username for m in escalated) == ["coordinator", "leader"]
    overdue = Message.objects.filter(kind="rectification_overdue", channel="inapp")
    assert [m.user.username for m in overdue] == ["head"]
    assert step.payload["messages"] == 3
    assert NoticeMark.objects.filter(notice=notice).count() == 1


def test_the_periodic_task_is_idempotent(org, issue, monkeypatch):
    from django.utils import timezone

    notice = issue()
    monkeypatch.setattr(timezone, "now", lambda: local("2025-11-10 09:00"))
    sweep_rectifications.call_local()
    sweep_rectifications.call_local()
    assert len(_steps(notice, "escalate")) == 1
    assert Message.objects.filter(kind="rectification_escalated").count() == 2


def test_a_reported_notice_is_not_chased(org, issue):
    notice = issue()
    notice_report(notice=notice, actor=org.users["head"], text="已整改。", now=local("2025-11-04 09:00"))
    report = run_rectification_sweep(local("2025-11-10 09:00"))
    assert (report.reminders, report.escalations) == (0, 0)
    assert not Message.objects.exclude(kind__in=["rectification_issued", "rectification_reported"]).exists()


def test_a_new_deadline_on_sending_back_gives_new_points(org, issue):
    users = org.users
    notice = issue()
    run_rectification_sweep(local("2025-11-07 09:00"))  # escalated once for the first deadline
    notice = notice_report(notice=notice, actor=users["head"], text="已整改。", now=local("2025-11-07 10:00"))
    notice = notice_send_back(
        notice=notice, actor=users["coordinator"], reason="不完整", days=2, now=local("2025-11-07 11:00")
    )
    run_rectification_sweep(local("2025-11-10 17:31"))  # the new reminder point
    run_rectification_sweep(local("2025-11-11 17:31"))  # the new deadline passed
    run_rectification_sweep(local("2025-11-12 09:00"))
    assert len(_steps(notice, "remind")) == 1
    assert len(_steps(notice, "escalate")) == 2
    assert NoticeMark.objects.filter(notice=notice).count() == 3
