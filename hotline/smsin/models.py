"""SMS in (短信受理): a record of every upstream message the SMS provider pushed to us.

One ``InboundSms`` row per message, unique on (provider, sequence id, digest of phone +
send time + text): a push the provider retries (it does, on any answer but 200 and on a
timeout) finds its rows and writes nothing twice, and a sequence id reused for another text
is still a message of its own. The row is written in the same transaction as what the
message became — a ticket, a ``correspondence`` event, a rating — or with the reason it
became nothing (an unsubscribe word, a rating nobody asked for, a number that is no mobile).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.tickets.models import Satisfaction, Ticket, TicketEvent


class Provider(models.TextChoices):
    ALIYUN = "aliyun", _("阿里云短信(SmsUp)")


class Outcome(models.TextChoices):
    TICKET = "ticket", _("已登记为工单")
    CORRESPONDENCE = "correspondence", _("已记入工单往来函件")
    RATING = "rating", _("已记录满意度评价")
    UNSUBSCRIBE = "unsubscribe", _("退订(未登记)")
    IGNORED = "ignored", _("未登记(见说明)")
    REJECTED = "rejected", _("拒收(见说明)")
    ERROR = "error", _("处理出错(见说明)")


class InboundSms(models.Model):
    provider = models.CharField(_("服务商"), max_length=16, choices=Provider.choices)
    sequence_id = models.CharField(_("服务商序列号"), max_length=64, blank=True)
    digest = models.CharField(
        _("内容摘要"), max_length=64, help_text=_("号码、发送时间、内容的 SHA-256,识别重复推送")
    )
    phone = models.CharField(
        _("手机号码"), max_length=32, blank=True, help_text=_("规范化后的号码;无效号码为空")
    )
    phone_raw = models.CharField(_("推送的号码"), max_length=32, blank=True)
    content = models.TextField(_("短信内容"), blank=True)
    sign_name = models.CharField(_("短信签名"), max_length=64, blank=True)
    dest_code = models.CharField(_("扩展号码"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    taken_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        TicketEvent,
        verbose_name=_("办理记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("往来函件或回访评价的记录"),
    )
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)

    class Meta:
        verbose_name = _("收到的短信")
        verbose_name_plural = _("收到的短信")
        ordering: ClassVar = ["-taken_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["provider", "sequence_id", "digest"], name="inboundsms_once")
        ]
        indexes: ClassVar = [models.Index(fields=["taken_at"], name="inboundsms_taken")]

    def __str__(self) -> str:
        # never the number: it is identity (a confidential reporter's, perhaps)
        name = self.sequence_id or self.digest[:12]
        return f"{self.get_provider_display()} #{name} ({self.get_outcome_display()})"
