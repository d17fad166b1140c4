"""An export (导出) of one list: who asked for which list, in which format, and how it went.

The row is the export's log (who, what, how many rows) and, for a large export, the job the
worker runs and the page's progress bar reads. A small export streams straight to the
browser and leaves only the row (``direct``); a large one leaves a file beside it, which
only its owner downloads until ``expires_at``.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel"
    CSV = "csv", "CSV"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")  # a job waiting for the worker
    RUNNING = "running", _("生成中")  # being written (a job by the worker, a direct one while it streams)
    DONE = "done", _("已完成")  # written; a job's file is there until it expires
    FAILED = "failed", _("失败")  # stopped with ``error``; nothing to download


FINISHED_STATUSES: tuple[str, ...] = (ExportStatus.DONE, ExportStatus.FAILED)


class ExportJob(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="exports"
    )
    source = models.CharField("列表", max_length=32)
    params = models.JSONField("筛选条件", default=dict, blank=True)
    format = models.CharField("格式", max_length=8, choices=ExportFormat.choices)
    status = models.CharField("状态", max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    direct = models.BooleanField("直接下载", default=False, help_text="小批量导出:直接下载,不留文件")
    rows_done = models.PositiveIntegerField("已写行数", default=0)
    rows_total = models.PositiveIntegerField("总行数", null=True, blank=True)
    truncated = models.BooleanField("已截断", default=False, help_text="超过单次导出上限,只写了前面的行")
    file = models.CharField("文件", max_length=255, blank=True, help_text="导出目录下的文件名;过期后清空")
    filename = models.CharField("下载文件名", max_length=200)
    error = models.CharField("失败原因", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("文件过期时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出记录"
        verbose_name_plural = "导出记录"
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["owner", "-created_at"], name="export_owner_created"),
            models.Index(fields=["expires_at"], name="export_file_expiry", condition=~models.Q(file="")),
        ]

    def __str__(self) -> str:
        return f"{self.source}.{self.format} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int:
        """Progress for the bar: 0–100 (100 only when done)."""
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
