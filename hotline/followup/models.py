"""Reminders, escalation and return visits (催办、升级与回访): what the sweep keeps.

``SweepSchedule`` says when each open ticket next needs the sweep's attention;
``SweepMark`` records every reminder, escalation step and automatic step done, one row
per (ticket, clock, point) under a unique constraint, so a point is acted on once however
many sweeps run; ``ReturnVisit`` is the coordinator's call-back task (回访任务) with its
``ReturnVisitAttempt`` rows.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hotline.tickets.models import Satisfaction, Ticket


class SweepSchedule(models.Model):
    """When the sweep should next look at an open ticket (the earliest point not yet done).

    Set to the event time by the event listener after every change, and to the next point
    by the sweep after it has looked. Deleted when the ticket closes.
    """

    ticket = models.OneToOneField(
        Ticket, verbose_name="工单", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    next_at = models.DateTimeField("下次检查时间", null=True, blank=True)

    class Meta:
        verbose_name = "催办计划"
        verbose_name_plural = "催办计划"
        indexes: ClassVar = [
            models.Index(fields=["next_at"], name="sweep_schedule_next", condition=Q(next_at__isnull=False))
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.next_at}"


class MarkKind(models.TextChoices):
    REMINDER = "reminder", _("到期前催办")
    ESCALATION = "escalation", _("超期升级")
    AUTOMATIC = "automatic", _("自动处理")


class SweepMark(models.Model):
    """One point acted on: a reminder, an escalation step or an automatic step.

    ``clock`` names the deadline the point belongs to (``stage:<start>:<due>`` in epoch
    seconds, or ``visit:<id>``), so an extension or a new stage gives new points.
    ``sent`` is False for a point that was passed over (superseded by a later one).
    """

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="+")
    clock = models.CharField("计时", max_length=64)
    point = models.CharField("节点", max_length=64)
    kind = models.CharField("类型", max_length=12, choices=MarkKind.choices)
    due_at = models.DateTimeField("节点时间")
    done_at = models.DateTimeField("处理时间")
    roles = models.JSONField("通知角色", default=list, blank=True)
    sent = models.BooleanField("已发送", default=True)
    messages = models.PositiveIntegerField("消息条数", default=0)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "催办记录"
        verbose_name_plural = "催办记录"
        ordering: ClassVar = ["ticket", "due_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "clock", "point"], name="sweepmark_once_per_point")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.point}"


class VisitStatus(models.TextChoices):
    OPEN = "open", _("待回访")  # a coordinator should call back before due_at
    UNREACHABLE = "unreachable", _("联系不上")  # survey link sent by SMS; closes after close_at
    DONE = "done", _("已回访")  # satisfaction recorded (by staff or on the portal)
    CLOSED_UNREACHABLE = "closed_unreachable", _("联系不上已办结")  # closed by the sweep at close_at
    CANCELLED = "cancelled", _("已撤销")  # the ticket moved on without a return visit


ACTIVE_VISIT_STATUSES = (VisitStatus.OPEN, VisitStatus.UNREACHABLE)


class NextStep(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("待自动处理")  # dissatisfied: the sweep redispatches or supervises
    REDISPATCHED = "redispatched", _("已再次派单")
    SUPERVISED = "supervised", _("已转督办")
    NOT_OFFERED = "not_offered", _("环节不允许自动处理")


class ReturnVisit(models.Model):
    """A return-visit task (回访任务): created when the reply is given, done when the
    ``return_visit`` action records satisfaction."""

    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="return_visits"
    )
    round = models.PositiveSmallIntegerField("派单轮次", default=0)
    status = models.CharField("状态", max_length=20, choices=VisitStatus.choices, default=VisitStatus.OPEN)
    created_at = models.DateTimeField("创建时间")
    due_at = models.DateTimeField("回访时限", null=True, blank=True)
    unreachable_at = models.DateTimeField("认定联系不上时间", null=True, blank=True)
    close_at = models.DateTimeField("自动办结时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回访人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_by_label = models.CharField("回访来源", max_length=64, blank=True)
    satisfaction = models.CharField("满意度", max_length=16, choices=Satisfaction.choices, blank=True)
    next_step = models.CharField(
        "后续处理", max_length=16, choices=NextStep.choices, default=NextStep.NONE, blank=True
    )

    class Meta:
        verbose_name = "回访任务"
        verbose_name_plural = "回访任务"
        ordering: ClassVar = ["due_at", "created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=["open", "unreachable"]),
                name="returnvisit_one_active_per_ticket",
            )
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["due_at"],
                name="returnvisit_active_due",
                condition=Q(status__in=["open", "unreachable"]),
            ),
            models.Index(fields=["close_at"], name="returnvisit_close", condition=Q(status="unreachable")),
            models.Index(fields=["next_step"], name="returnvisit_pending", condition=Q(next_step="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} 第{self.round}轮回访 {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_VISIT_STATUSES


class AttemptOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("无人接听")
    BUSY = "busy", _("占线/拒接")
    UNREACHABLE = "unreachable", _("无法联系(空号/停机/错号)")


class ReturnVisitAttempt(models.Model):
    """A call-back that did not reach the complainant."""

    visit = models.ForeignKey(
        ReturnVisit, verbose_name="回访任务", on_delete=models.PROTECT, related_name="attempts"
    )
    at = models.DateTimeField("时间")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="回访人", on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField("结果", max_length=16, choices=AttemptOutcome.choices)
    note = models.CharField("备注", max_length=500, blank=True)

    class Meta:
        verbose_name = "回访记录"
        verbose_name_plural = "回访记录"
        ordering: ClassVar = ["visit", "at"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.at} {self.get_outcome_display()}"
