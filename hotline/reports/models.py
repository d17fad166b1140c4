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

from hotline.org.models import Unit
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
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.day}"
