"""``hotline sweep``: one deadline sweep now (for cron-less operation, the demo and tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.followup.services import run_sweep


class Command(BaseCommand):
    help = "执行一次催办、升级与回访检查(与后台每分钟的任务相同)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="以此时间执行(ISO 8601,如 2026-10-09T09:00+08:00;无时区按本地时间),用于演示和测试",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now 不是有效的时间:{options['now']}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        report = run_sweep(now)
        self.stdout.write(str(report))
        for error in report.errors:
            self.stderr.write(error)
