"""Repeat and batch detection (重复投诉 / 批量投诉, ADR 0024): what detection keeps.

- ``Pending``: a ticket registered but not yet looked at, written in the registration's
  transaction (so a crash after the commit loses nothing: the sweep picks it up) and
  deleted in the transaction that writes the detection's result.
- ``Signature``: per ticket, the caller's identity (normalised), the respondent's name and
  address (normalised, the batch keys) and the MinHash signature of its words.
- ``Band``: the signature's LSH bands, one row each, indexed by hash: any process finds the
  tickets sharing a band in a window with one index scan (an in-process LSH index would be
  lost on restart and not shared between workers). Rows older than the longest window of
  any pack are pruned by the sweep.
- ``Batch`` / ``Member``: a suggested batch (批量投诉) and its tickets; once confirmed, one
  parent is handled and the children are held under it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.tickets.models import Ticket


class Pending(models.Model):
    ticket = models.OneToOneField(
        Ticket, verbose_name="工单", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    registered_at = models.DateTimeField("登记时间")
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)

    class Meta:
        verbose_name = "待识别工单"
        verbose_name_plural = "待识别工单"

    def __str__(self) -> str:
        return str(self.ticket_id)


def _filled(name: str) -> Q:
    return ~Q(**{name: ""})


class Signature(models.Model):
    ticket = models.OneToOneField(
        Ticket, verbose_name="工单", primary_key=True, on_delete=models.CASCADE, related_name="signature"
    )
    received_at = models.DateTimeField("收到时间")
    phone = models.CharField("来电号码", max_length=32, blank=True)
    email = models.CharField("电子邮箱", max_length=254, blank=True)
    id_number = models.CharField("证件号码", max_length=32, blank=True)
    caller = models.CharField(
        "诉求人标识", max_length=300, help_text="统计不同诉求人:号码、邮箱或证件号;匿名者各算一人"
    )
    respondent = models.CharField("被诉对象(归一)", max_length=128, blank=True)
    address = models.CharField("被诉地址(归一)", max_length=255, blank=True)
    minhash = models.BinaryField("MinHash 签名", null=True, blank=True, help_text="词太少时为空")

    class Meta:
        verbose_name = "工单签名"
        verbose_name_plural = "工单签名"
        indexes: ClassVar = [
            models.Index(fields=["phone", "received_at"], name="signature_phone", condition=_filled("phone")),
            models.Index(fields=["email", "received_at"], name="signature_email", condition=_filled("email")),
            models.Index(
                fields=["id_number", "received_at"],
                name="signature_id_number",
                condition=_filled("id_number"),
            ),
            models.Index(
                fields=["respondent", "received_at"],
                name="signature_respondent",
                condition=_filled("respondent"),
            ),
            models.Index(
                fields=["address", "received_at"], name="signature_address", condition=_filled("address")
            ),
        ]

    def __str__(self) -> str:
        return str(self.ticket_id)


class Band(models.Model):
    # no index of its own: bands are found by key, and pruned by time
    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.BigIntegerField("分段哈希")
    received_at = models.DateTimeField("收到时间")

    class Meta:
        verbose_name = "签名分段"
        verbose_name_plural = "签名分段"
        indexes: ClassVar = [
            models.Index(fields=["key", "received_at"], name="band_key_received"),
            models.Index(fields=["received_at"], name="band_received"),  # pruning
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.key}"


class Basis(models.TextChoices):
    RESPONDENT = "respondent", _("同一被诉对象")
    ADDRESS = "address", _("同一地址")
    TOPIC = "topic", _("同一事项")


class BatchStatus(models.TextChoices):
    SUGGESTED = "suggested", _("待确认")  # found by detection; nothing on the tickets has changed
    CONFIRMED = "confirmed", pgettext_lazy("batch", "已确认")  # one parent handled, children held
    DISMISSED = "dismissed", _("已排除")  # not one matter: later tickets of the key join it quietly
    CLOSED = "closed", _("已办结")  # the parent closed, and its children with it


ACTIVE_BATCH = (BatchStatus.SUGGESTED, BatchStatus.CONFIRMED)


class Batch(models.Model):
    basis = models.CharField("识别依据", max_length=16, choices=Basis.choices)
    key = models.CharField("归一键", max_length=255)
    label = models.CharField("名称", max_length=255)
    status = models.CharField(
        "状态", max_length=12, choices=BatchStatus.choices, default=BatchStatus.SUGGESTED
    )
    first_received_at = models.DateTimeField("最早收到")
    last_received_at = models.DateTimeField("最近收到")
    parent = models.ForeignKey(
        Ticket, verbose_name="主工单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("识别时间")
    decided_at = models.DateTimeField("确认/排除时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认/排除人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "批量投诉"
        verbose_name_plural = "批量投诉"
        ordering: ClassVar = ["-last_received_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["basis", "key", "last_received_at"], name="batch_key"),
            models.Index(fields=["status", "last_received_at"], name="batch_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_basis_display()}:{self.label}"


class MemberState(models.TextChoices):
    SUGGESTED = "suggested", _("待确认")
    PARENT = "parent", _("主工单")
    HELD = "held", _("随主工单办理")  # suspended under the parent until it closes
    LEFT = "left", _("未并入")  # closed or suspended on its own when the batch was confirmed
    CLOSED = "closed", _("已随主工单办结")


class Member(models.Model):
    batch = models.ForeignKey(
        Batch, verbose_name="批量投诉", on_delete=models.CASCADE, related_name="members"
    )
    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="+")
    caller = models.CharField("诉求人标识", max_length=300)
    state = models.CharField(
        "状态", max_length=12, choices=MemberState.choices, default=MemberState.SUGGESTED
    )
    added_at = models.DateTimeField("加入时间")

    class Meta:
        verbose_name = "批量投诉工单"
        verbose_name_plural = "批量投诉工单"
        ordering: ClassVar = ["batch", "ticket_id"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["batch", "ticket"], name="member_unique")]
        indexes: ClassVar = [models.Index(fields=["ticket", "state"], name="member_ticket")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.ticket_id}"
