"""The blocklist (黑名单) of caller numbers: an agent requests an entry, a team leader decides.

An entry changes status only through ``hotline.callers.services``; every change is also a
``BlocklistEvent`` row (who, when, what), never updated or deleted.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BlocklistStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("status", "待审批")  # asked for by an agent, not yet in force
    ACTIVE = "active", _("生效中")  # approved: calls and submissions from the number are refused
    REJECTED = "rejected", _("已驳回")  # the team leader said no
    REVOKED = "revoked", _("已撤销")  # was active, lifted (or replaced after it expired)


class BlocklistEntry(models.Model):
    # the line in E.164 (``+8613812345678``, ``+861012345678``), never an extension:
    # ``hotline.core.phones.phone_line``
    phone = models.CharField(
        "号码", max_length=32, help_text="规范化后的号码(E.164,如 +8613812345678;不含分机号)"
    )
    reason = models.TextField("申请理由")
    status = models.CharField(
        "状态", max_length=10, choices=BlocklistStatus.choices, default=BlocklistStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    expires_at = models.DateTimeField("失效时间", null=True, blank=True, help_text="为空表示长期有效")
    note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "黑名单"
        verbose_name_plural = "黑名单"
        ordering: ClassVar = ["-requested_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(status="active"), name="blocklist_one_active_per_phone"
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=Q(status="requested"), name="blocklist_one_request_per_phone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phone}({self.get_status_display()})"


class BlocklistEvent(models.Model):
    """One line of an entry's history: requested, approved, rejected, revoked."""

    entry = models.ForeignKey(
        BlocklistEntry, verbose_name="黑名单条目", on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField("动作", max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "黑名单记录"
        verbose_name_plural = "黑名单记录"
        ordering: ClassVar = ["entry", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.action}"
