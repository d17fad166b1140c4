"""The notification outbox (消息发件箱): one row per message to one recipient on one channel.

A row is written in the same transaction as the event that causes it (ADR 0010); the
worker delivers it later with retries. In-app messages are delivered by being written.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    INAPP = "inapp", _("站内消息")
    PARTNER = "partner", _("上级回传")  # a signed HTTP callback to an upper level (hotline.exchange)
    NONE = "none", _("无可用渠道")  # a complainant without contact: recorded, not sent


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("待发送")  # waiting for the worker
    SENDING = "sending", _("发送中")  # claimed by a worker until ``lease_until``
    SENT = "sent", _("已发送")  # accepted by the provider (in-app: written)
    RETRYING = "retrying", _("发送失败,等待重试")  # next try at ``next_attempt_at``
    DEAD = "dead", _("发送失败,已放弃")  # gave up after the last attempt; an admin may re-queue
    SKIPPED = "skipped", _("未发送")  # no address, or the channel is not configured (see last_error)


# Statuses the worker still has to act on.
OPEN_STATUSES = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.RETRYING)


class Message(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    kind = models.CharField("消息类型", max_length=32)
    channel = models.CharField("渠道", max_length=8, choices=MessageChannel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人(工作人员)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    address = models.CharField("地址/号码", max_length=254, blank=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    params = models.JSONField("模板参数", default=dict, blank=True, help_text="短信模板变量")
    batch_key = models.CharField("调用键", max_length=160, db_index=True)
    idempotency_key = models.CharField("幂等键", max_length=200, unique=True)
    status = models.CharField(
        "状态", max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now)
    lease_until = models.DateTimeField("占用至", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    provider_message_id = models.CharField("服务商回执号", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            # what the worker has to do next
            models.Index(
                fields=["next_attempt_at"],
                name="message_due",
                condition=Q(status__in=["pending", "sending", "retrying"]),
            ),
            # a user's unread in-app messages
            models.Index(
                fields=["user", "created_at"],
                name="message_inapp_unread",
                condition=Q(channel="inapp", read_at__isnull=True),
            ),
            # messages given up on (the dead count in /metrics, read on every scrape)
            models.Index(fields=["created_at"], name="message_dead", condition=Q(status="dead")),
            # a mail answering one of ours names our Message-ID (mailin: In-Reply-To / References)
            models.Index(
                fields=["provider_message_id"],
                name="message_sent_email_id",
                condition=Q(channel="email") & ~Q(provider_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        # never the address: a confidential reporter's phone or e-mail would show in the
        # admin's titles and in logs (the admin shows it masked where it must)
        return f"{self.kind} → {self.user or self.get_channel_display()} ({self.status})"
