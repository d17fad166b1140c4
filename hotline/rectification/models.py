"""Rectification (整改): a notice to a unit, the unit's reports, every step in a history.

The supervision office (a coordinator of the centre) issues a rectification notice
(《整改通知书》) to a responsible unit — about one ticket or a pattern — with a deadline in
working days; the unit's head answers with a rectification report (《整改报告》); the
coordinator verifies the result or sends it back for another report. Every state change
goes through :mod:`hotline.rectification.services` and writes a :class:`NoticeStep`; the
sweep's reminder and escalation are each claimed once by a :class:`NoticeMark` row.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hotline.org.models import Unit
from hotline.tickets.models import Ticket


class AppendOnlyError(Exception):
    pass


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("待整改")  # issued; the unit's head owes a report by ``due_at``
    REPORTED = "reported", _("待验证")  # the head reported; the issuer verifies or sends it back
    SENT_BACK = "sent_back", _("退回重改")  # the report was not accepted; a new one is owed
    VERIFIED = "verified", _("已验证")  # closed: the result was verified
    WITHDRAWN = "withdrawn", _("已撤回")  # closed: the issuer withdrew the notice


# Statuses in which the unit owes a report (the deadline runs, the sweep reminds).
AWAITING_REPORT: tuple[str, ...] = (NoticeStatus.ISSUED, NoticeStatus.SENT_BACK)
OPEN_STATUSES: tuple[str, ...] = (*AWAITING_REPORT, NoticeStatus.REPORTED)


class NoticeSequence(models.Model):
    """Per-year counter behind notice numbers (ZG2026-0001); bumped by one atomic upsert."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "整改通知书年序号"
        verbose_name_plural = "整改通知书年序号"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Notice(models.Model):
    """A rectification notice (整改通知书). ``version`` grows with every state change."""

    number = models.CharField("编号", max_length=20, unique=True)
    unit = models.ForeignKey(
        Unit, verbose_name="整改单位", on_delete=models.PROTECT, related_name="rectification_notices"
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name="相关工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_notices",
    )
    issuing_unit = models.ForeignKey(
        Unit,
        verbose_name="下发单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="下发人以其任职的哪个单位下发;超期时上报此单位的分管领导",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="下发人", on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField("标题", max_length=200)
    problem = models.TextField("存在问题")
    requirement = models.TextField("整改要求")
    days = models.PositiveSmallIntegerField("整改期限(工作日)")
    issued_at = models.DateTimeField("下发时间")
    due_at = models.DateTimeField("整改期限")
    provisional = models.BooleanField("期限为暂定", default=False, help_text="计算期限用到了无官方数据的年份")
    remind_at = models.DateTimeField("催办时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED
    )
    reported_at = models.DateTimeField("最近报告时间", null=True, blank=True)
    on_time = models.BooleanField(
        "按期报告", null=True, blank=True, help_text="最近一份整改报告是否在当时的期限内提交"
    )
    verified_at = models.DateTimeField("验证时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "整改通知书"
        verbose_name_plural = "整改通知书"
        ordering: ClassVar = ["-issued_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["unit", "issued_at"], name="rect_notice_unit_issued"),
            # the sweep: notices still owing a report, by deadline and by reminder time
            models.Index(
                fields=["due_at"], name="rect_notice_awaiting_due", condition=Q(status__in=AWAITING_REPORT)
            ),
            models.Index(
                fields=["remind_at"],
                name="rect_notice_awaiting_remind",
                condition=Q(status__in=AWAITING_REPORT),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaiting_report(self) -> bool:
        return self.status in AWAITING_REPORT


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("整改记录只能追加,不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("整改记录不能删除")


class Report(_AppendOnly):
    """A rectification report (整改报告) from the unit's head; a sent-back notice gets another."""

    notice = models.ForeignKey(
        Notice, verbose_name="整改通知书", on_delete=models.PROTECT, related_name="reports"
    )
    seq = models.PositiveSmallIntegerField("序号")
    text = models.TextField("整改情况")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间")
    due_at = models.DateTimeField("当时的期限")

    class Meta:
        verbose_name = "整改报告"
        verbose_name_plural = "整改报告"
        ordering: ClassVar = ["notice", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["notice", "seq"], name="rect_report_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}#{self.seq}"

    @property
    def on_time(self) -> bool:
        return self.submitted_at <= self.due_at


class StepAction(models.TextChoices):
    ISSUE = "issue", _("下发整改通知")
    REPORT = "report", _("提交整改报告")
    VERIFY = "verify", _("验证通过")
    SEND_BACK = "send_back", _("退回重改")
    WITHDRAW = "withdraw", _("撤回")
    REMIND = "remind", _("到期催办")
    ESCALATE = "escalate", _("超期上报")


class NoticeStep(_AppendOnly):
    """One line of a notice's history. Never updated, never deleted (model and trigger)."""

    notice = models.ForeignKey(
        Notice, verbose_name="整改通知书", on_delete=models.PROTECT, related_name="steps"
    )
    seq = models.PositiveIntegerField("序号")
    action = models.CharField("动作", max_length=12, choices=StepAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("操作人说明", max_length=50, blank=True)
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12)
    comment = models.TextField("说明", blank=True)
    payload = models.JSONField("数据", default=dict, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "整改记录"
        verbose_name_plural = "整改记录"
        ordering: ClassVar = ["notice", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["notice", "seq"], name="rect_step_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}#{self.seq} {self.action}"


class MarkPoint(models.TextChoices):
    REMIND = "remind", _("到期前催办")
    ESCALATE = "escalate", _("超期上报")


class NoticeMark(models.Model):
    """One sweep point acted on, once per (notice, point, deadline): a new deadline given on
    sending back gives new points."""

    notice = models.ForeignKey(Notice, verbose_name="整改通知书", on_delete=models.PROTECT, related_name="+")
    point = models.CharField("节点", max_length=10, choices=MarkPoint.choices)
    due_at = models.DateTimeField("所属期限")
    done_at = models.DateTimeField("处理时间")
    messages = models.PositiveIntegerField("消息条数", default=0)

    class Meta:
        verbose_name = "整改催办记录"
        verbose_name_plural = "整改催办记录"
        ordering: ClassVar = ["notice", "done_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["notice", "point", "due_at"], name="rect_mark_once_per_point")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.point} {self.due_at:%Y-%m-%d %H:%M}"
