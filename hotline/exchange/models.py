"""上级转办 (upper-level exchange): partner systems that push tickets to us and hear back.

A ``Partner`` is configuration (the admin manages it): its code (in the push address and in
the source of its tickets), the key it signs its pushes with, where our callbacks go and the
key we sign them with. A ``PartnerTicket`` is written in the same transaction as the ticket a
push registered: the partner's id (unique per partner, so a retried push finds it), its
number, and the upper level's limit for our answer back. Our callbacks are outbox rows
(``notify.Message`` on the channel ``partner``), shown in the admin as ``Callback``.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MinLengthValidator, RegexValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.notify.models import Message, MessageChannel
from hotline.org.models import Unit
from hotline.tickets.models import Ticket, TicketType

# The outbox channel of callbacks (``notify.channels.register_sender``; ADR 0025).
PARTNER_CHANNEL = MessageChannel.PARTNER.value
# Prefix of the outbox kinds of callbacks (``exchange.accepted`` …).
KIND_PREFIX = "exchange."
MIN_KEY_LENGTH = 32

code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,31}\Z", _("编码须为小写字母、数字或连字符(以字母或数字开头,最多32个字符)")
)

# callbacks are HTTP(S) POSTs: no ftp:// (Django's default schemes)
http_url = URLValidator(schemes=["http", "https"])


class Partner(models.Model):
    code = models.CharField(
        _("编码"),
        max_length=32,
        unique=True,
        validators=[code_validator],
        help_text=_("用在推送地址 /api/v1/exchange/<编码>/tickets 和工单来源中;保存后不可修改"),
    )
    name = models.CharField(
        _("名称"), max_length=64, help_text=_("如“省客户投诉中心”;工单历史中显示为登记人")
    )
    enabled = models.BooleanField(_("启用"), default=True, help_text=_("停用后拒收推送,回传不再发出"))
    inbound_key = models.CharField(
        _("推送签名密钥"),
        max_length=200,
        validators=[MinLengthValidator(MIN_KEY_LENGTH)],
        help_text=_("对方签名推送所用的密钥,至少32个字符"),
    )
    outbound_url = models.URLField(
        _("回传地址"),
        max_length=500,
        blank=True,
        validators=[http_url],
        help_text=_("受理、进展和结果回传到此地址(HTTP POST)"),
    )
    outbound_key = models.CharField(
        _("回传签名密钥"),
        max_length=200,
        blank=True,
        validators=[MinLengthValidator(MIN_KEY_LENGTH)],
        help_text=_("我方签名回传所用的密钥,至少32个字符"),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("受理单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("转来的工单登记在此单位;留空则为公众受理单位(HOTLINE_PUBLIC_UNIT)"),
    )
    policy = models.CharField(
        _("政策包"), max_length=32, blank=True, help_text=_("留空则使用受理单位的政策包")
    )
    ticket_type = models.CharField(
        _("默认诉求类型"),
        max_length=16,
        choices=TicketType.choices,
        default=TicketType.COMPLAINT,
        help_text=_("推送未写明诉求类型时使用"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("上级/合作系统")
        verbose_name_plural = _("上级/合作系统")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from hotline.policies.registry import pack_choices

        if self.policy and self.policy not in dict(pack_choices()):
            raise ValidationError({"policy": _("未知的政策包“%(code)s”") % {"code": self.policy}})
        if self.outbound_url and not self.outbound_key:
            raise ValidationError({"outbound_key": _("填写了回传地址时须设置回传签名密钥")})


class DueSource(models.TextChoices):
    PARTNER = "partner", _("上级推送时给定")
    PACK = "pack", _("按政策包计算")
    NONE = "none", _("未规定")


class PartnerTicket(models.Model):
    partner = models.ForeignKey(
        Partner, verbose_name=_("上级/合作系统"), on_delete=models.PROTECT, related_name="tickets"
    )
    ticket = models.OneToOneField(
        Ticket, verbose_name=_("工单"), on_delete=models.PROTECT, related_name="upper_level"
    )
    partner_ticket_id = models.CharField(_("上级工单标识"), max_length=100)
    partner_number = models.CharField(_("上级工单编号"), max_length=100)
    dispatched_at = models.DateTimeField(_("上级派发时间"))
    answer_due_at = models.DateTimeField(_("上级时限"), null=True, blank=True)
    answer_due_source = models.CharField(
        _("时限依据"), max_length=8, choices=DueSource.choices, default=DueSource.NONE
    )
    answer_limit = models.CharField(_("时限规定"), max_length=32, blank=True, help_text=_("如“3个工作日”"))
    provisional = models.BooleanField(_("暂定"), default=False, help_text=_("涉及尚未公布放假安排的年份"))
    answered_at = models.DateTimeField(_("已回传结果"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta:
        verbose_name = _("上级转办单")
        verbose_name_plural = _("上级转办单")
        ordering: ClassVar = ["-received_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["partner", "partner_ticket_id"], name="partnerticket_one_per_id")
        ]

    def __str__(self) -> str:
        return f"{self.partner.code}:{self.partner_number}"


class Callback(Message):
    """The outbox rows that are callbacks to partners (channel ``partner``), for the admin."""

    class Meta:
        proxy = True
        verbose_name = _("上级回传")
        verbose_name_plural = _("上级回传")
