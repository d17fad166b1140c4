"""Working-day calendar (工作日历): official days, official years, working periods.

Rows of :class:`Day` exist only for years with official data (the seed 2004–2026 and
every year imported with ``hotline calendar import``); other years are computed by
:mod:`hotline.calendar.statutory`. Writes go through :mod:`hotline.calendar.services`
(or the admin, which calls it) so that every process sees the change: see
``services.get_calendar``.
"""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models


class Day(models.Model):
    class Source(models.TextChoices):
        # Seed generated from the chinesecalendar package (the State Council notices 2004–2026).
        CHINESECALENDAR = "chinesecalendar", "chinesecalendar 数据包"
        # Imported from a State Council schedule file with ``hotline calendar import``.
        OFFICIAL_IMPORT = "official_import", "国务院通知导入"
        # Changed by an administrator in the admin.
        ADMIN = "admin", "管理员修改"

    date = models.DateField("日期", primary_key=True, help_text="公历日期（北京时间）。")
    is_working = models.BooleanField("工作日", help_text="勾选为工作日（含调休上班日），不勾选为休息日。")
    note = models.CharField(
        "说明",
        max_length=100,
        blank=True,
        default="",
        help_text="节日名称，如“春节”“春节调休上班”；普通日为空。",
    )
    source = models.CharField(
        "来源", max_length=20, choices=Source.choices, default=Source.ADMIN, help_text="这一天数据的来源。"
    )

    class Meta:
        ordering = ["date"]
        verbose_name = "日历日"
        verbose_name_plural = "日历日"

    def __str__(self) -> str:
        kind = "工作日" if self.is_working else "休息日"
        return f"{self.date.isoformat()} {kind}{f'（{self.note}）' if self.note else ''}"


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    official = models.BooleanField(
        "官方数据",
        default=False,
        help_text="已导入国务院办公厅当年节假日安排。未勾选的年份按放假办法推算，期限为临时期限。",
    )
    source = models.CharField(
        "来源",
        max_length=200,
        blank=True,
        default="",
        help_text="数据来源，如通知文号“国办发明电〔2026〕7号”。",
    )
    imported_at = models.DateTimeField("导入时间", null=True, blank=True, help_text="最近一次导入的时间。")

    class Meta:
        ordering = ["year"]
        verbose_name = "日历年份"
        verbose_name_plural = "日历年份"

    def __str__(self) -> str:
        return f"{self.year} 年（{'官方' if self.official else '推算'}）"


DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


class WorkingPeriod(models.Model):
    start = models.TimeField("开始时间", help_text="北京时间，如 08:30。")
    end = models.TimeField("结束时间", help_text="北京时间，如 12:00。最后一个时段的结束时间即下班时间。")

    class Meta:
        ordering = ["start"]
        verbose_name = "工作时段"
        verbose_name_plural = "工作时段"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="workcal_period_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        """Form validation: the period is not empty and overlaps no other period."""
        if self.start is None or self.end is None:
            return
        if self.end <= self.start:
            raise ValidationError({"end": "结束时间必须晚于开始时间。"})
        others = WorkingPeriod.objects.exclude(pk=self.pk).filter(start__lt=self.end, end__gt=self.start)
        if others.exists():
            raise ValidationError(f"与已有工作时段 {others[0]} 重叠。")


class CalendarRevision(models.Model):
    """One row whose ``token`` changes with every write to the calendar.

    Every process compares it with the token of its in-process calendar (at most once a
    second) to notice changes made elsewhere; see ``services.get_calendar``.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField("版本标记", max_length=32, help_text="每次修改日历时更换。")
    changed_at = models.DateTimeField("修改时间", help_text="最近一次修改日历的时间。")

    class Meta:
        verbose_name = "日历版本"
        verbose_name_plural = "日历版本"

    def __str__(self) -> str:
        return f"{self.token} @ {self.changed_at.isoformat()}"
