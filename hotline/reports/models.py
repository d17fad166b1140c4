"""The statistics rollup: one narrow row per (ticket, fact) — 统计事实表.

A *fact* is something a ticket has done that a measure counts (received, accepted, closed
in time, returned, a satisfaction level, …) with the local date (Asia/Shanghai) on which it
counts, and a copy of the ticket's dimensions (type, category, unit, handler, …) so that a
year of any measure by any two dimensions is one index-only scan of ``report_fact_cover``
instead of a join of tickets and their events.

Facts are derived data, never edited: ``hotline.reports.facts`` computes them from a
ticket, its history events and its links — inside every event's transaction for that
ticket (``on_event``), and for all tickets with ``hotline stats_recount``, which rebuilds
them and can check that what is stored equals a fresh count (``--check``).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from hotline.org.models import Role, Unit
from hotline.tickets.models import Category, Ticket


class Fact(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("事实", max_length=24)  # hotline.reports.measures.FactKind
    day = models.DateField("统计日期")  # the local date the fact counts on
    value = models.FloatField("数值", null=True, blank=True)  # closed: working hours from receipt
    # the ticket's dimensions, as they are now (kept current by the event listener)
    type = models.CharField("诉求类型", max_length=16)
    channel = models.CharField("受理渠道", max_length=16)
    region = models.CharField("发生地区", max_length=64, blank=True)
    severity = models.CharField("紧急程度", max_length=8)
    customer_class = models.CharField("客户等级", max_length=4, blank=True)
    policy = models.CharField("政策包", max_length=32)
    category = models.ForeignKey(
        Category,
        verbose_name="诉求分类",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="当前责任单位",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # who may see it: the columns ``workflow.access.tickets_visible_to`` decides on
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name="受理单位",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="首问受理人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = "统计事实"
        verbose_name_plural = "统计事实"
        indexes: ClassVar = [
            # every column a statistics query reads, so PostgreSQL answers from the index alone
            models.Index(
                fields=[
                    "kind",
                    "day",
                    "unit",
                    "type",
                    "category",
                    "channel",
                    "severity",
                    "customer_class",
                    "policy",
                    "handler",
                    "region",
                    "value",
                    "owner_unit",
                    "registered_by",
                ],
                name="report_fact_cover",
            ),
            # the same reads without another dimension (the report centre's first screen: by
            # nothing, by a period, by unit) and the scope columns early: a third of the cover
            # index's size and of its cost per row (bench/README.md, "Report centre")
            models.Index(
                fields=["kind", "day", "unit", "owner_unit", "registered_by", "handler", "value"],
                name="report_fact_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.day}"


# --- documents (统计分析报告、季报、回访周报、通报) ----------------------------------------------


class DocumentKind(models.TextChoices):
    """The documents the sources ask for; each is generated for one period of its own kind."""

    MONTHLY = "monthly", "客户投诉处理统计分析报告(月报)"  # 001 L110–112
    QUARTERLY = "quarterly", "诉求受理处理统计季报(报主管部门)"  # 004 L498
    WEEKLY = "weekly", "回访情况周汇总"  # 002 L29
    CIRCULAR = "circular", "投诉处理情况通报(单位排名)"  # 001 L34


class DocumentTrigger(models.TextChoices):
    SCHEDULE = "schedule", "定时生成"  # the worker, once per period
    MANUAL = "manual", "手工生成"  # the command or the API: a new version


def document_path(instance: ReportDocument, filename: str) -> str:
    """``reports/<kind>/<period>/<unit code>-v<version>.<ext>`` under MEDIA_ROOT."""
    ext = filename.rsplit(".", 1)[-1]
    return f"reports/{instance.kind}/{instance.period}/{instance.unit.code}-v{instance.version}.{ext}"


class ReportDocument(models.Model):
    """One generated document: a kind, a period, the unit whose subtree it covers, a version.

    Kept, never edited: generating the same (kind, period, unit) again writes version n+1
    beside the earlier ones (the scheduler generates a period only when it has no version).
    ``figures`` holds the tables and commentary exactly as printed in both files.
    """

    kind = models.CharField("文档类型", max_length=16, choices=DocumentKind.choices)
    period = models.CharField("期间", max_length=10, help_text="2026-10、2026-Q3、2026-W41")
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    unit = models.ForeignKey(
        Unit, verbose_name="统计范围(单位及下级)", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField("版本", default=1)
    title = models.CharField("标题", max_length=200)
    trigger = models.CharField("生成方式", max_length=10, choices=DocumentTrigger.choices)
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pdf = models.FileField("PDF 文件", upload_to=document_path, max_length=255)
    xlsx = models.FileField("Excel 文件", upload_to=document_path, max_length=255)
    figures = models.JSONField("数据", default=dict)

    class Meta:
        verbose_name = "统计文档"
        verbose_name_plural = "统计文档"
        ordering: ClassVar = ["-period_start", "kind", "unit_id", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "period", "unit", "version"], name="report_document_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ReportSubscription(models.Model):
    """Who receives a kind of document for a unit (订阅): the organisation names them in the admin.

    The scheduler generates each kind for every top unit and for every unit named in an
    active subscription; the document covers that unit and everything below it. It goes
    to the named ``user`` and to every active holder of ``role`` whose reach covers the
    unit (a membership in the unit or above it; a centre's membership reaches its parent),
    and only to those who may open it (``documents.selectors.may_see``).
    """

    kind = models.CharField("文档类型", max_length=16, choices=DocumentKind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name="统计范围(单位及下级)", on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField("接收角色", max_length=16, choices=Role.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "统计文档订阅"
        verbose_name_plural = "统计文档订阅"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(role="") | models.Q(user__isnull=False), name="report_subscription_who"
            ),
        ]

    def __str__(self) -> str:
        who = self.user or self.get_role_display()
        return f"{self.get_kind_display()} · {self.unit} → {who}"
