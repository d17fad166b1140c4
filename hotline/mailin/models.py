"""Mail in (邮件受理): the mailboxes we poll and a record of every mail taken from them.

A ``Mailbox`` is configuration (the admin manages it) plus its checkpoint: the folder's
``UIDVALIDITY`` and the last UID taken. An ``InboundMail`` row is written in the same
transaction as what the mail became (a ticket, a correspondence event, or nothing, with the
reason), unique per (mailbox, UIDVALIDITY, UID): a mail fetched again after a crash before
the checkpoint moved finds its row and is skipped, and its Message-ID (the ticket's
``source``) catches the same mail in another mailbox or after the server renumbered.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.org.models import Unit
from hotline.tickets.models import Ticket, TicketEvent, TicketType


class Security(models.TextChoices):
    TLS = "tls", _("SSL/TLS(端口 993)")
    STARTTLS = "starttls", _("STARTTLS(端口 143)")
    NONE = "none", _("不加密(仅限本机或内网)")


class Mailbox(models.Model):
    name = models.CharField(_("名称"), max_length=64, unique=True)
    host = models.CharField(_("IMAP 服务器"), max_length=255)
    port = models.PositiveIntegerField(_("端口"), default=993)
    security = models.CharField(_("加密方式"), max_length=8, choices=Security.choices, default=Security.TLS)
    verify_certificate = models.BooleanField(
        _("校验服务器证书"), default=True, help_text=_("仅在内网自签名证书时关闭")
    )
    username = models.CharField(_("用户名"), max_length=255)
    password = models.CharField(_("密码"), max_length=255, blank=True)
    folder = models.CharField(_("文件夹"), max_length=255, default="INBOX")
    active = models.BooleanField(_("启用"), default=True)
    ticket_type = models.CharField(
        _("登记为"), max_length=16, choices=TicketType.choices, default=TicketType.COMPLAINT
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("受理单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空则为公众受理单位(HOTLINE_PUBLIC_UNIT)"),
    )
    take_existing = models.BooleanField(
        _("收取已有邮件"),
        default=False,
        help_text=_("首次连接时也收取文件夹里已有的邮件;不勾选则只收取此后到达的邮件"),
    )
    # the checkpoint: UIDs are only meaningful within one UIDVALIDITY of the folder
    uid_validity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("已收取至 UID"), default=0, editable=False)
    last_polled_at = models.DateTimeField(_("最近收取时间"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True, editable=False)

    class Meta:
        verbose_name = _("受理邮箱")
        verbose_name_plural = _("受理邮箱")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    TICKET = "ticket", _("已登记为工单")
    CORRESPONDENCE = "correspondence", _("已记入工单往来函件")
    DUPLICATE = "duplicate", _("重复邮件(此前已收取)")
    AUTO_REPLY = "auto_reply", _("自动回复(未登记)")
    BOUNCE = "bounce", _("退信(未登记)")
    OWN = "own", _("本系统发出的邮件(未登记)")
    TOO_LARGE = "too_large", _("超过大小限制(未收取)")
    ERROR = "error", _("处理出错(待处理)")


class InboundMail(models.Model):
    mailbox = models.ForeignKey(
        Mailbox, verbose_name=_("邮箱"), on_delete=models.PROTECT, related_name="mails"
    )
    uid_validity = models.BigIntegerField("UIDVALIDITY")
    uid = models.BigIntegerField("UID")
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    sender = models.CharField(_("发件人地址"), max_length=254, blank=True)
    sender_name = models.CharField(_("发件人姓名"), max_length=64, blank=True)
    subject = models.CharField(_("主题"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("发信时间"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("大小(字节)"), default=0)
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        TicketEvent,
        verbose_name=_("往来函件记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    files = models.JSONField(_("附件"), default=list, blank=True, help_text=_("[{name, size, kept, reason}]"))
    raw = models.BinaryField(
        _("原始邮件"), null=True, blank=True, help_text=_("仅出错的邮件保留,以便重新处理")
    )
    taken_at = models.DateTimeField(_("收取时间"), default=timezone.now)

    class Meta:
        verbose_name = _("收到的邮件")
        verbose_name_plural = _("收到的邮件")
        ordering: ClassVar = ["-taken_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["mailbox", "uid_validity", "uid"], name="inboundmail_one_per_uid")
        ]
        indexes: ClassVar = [
            # a reply's In-Reply-To / References, and the same mail arriving twice
            models.Index(fields=["message_id"], name="inboundmail_message_id"),
            # what is waiting for someone (the admin's filter, the error count)
            models.Index(fields=["taken_at"], name="inboundmail_error", condition=Q(outcome="error")),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} #{self.uid} ({self.get_outcome_display()})"
