"""``hotline stats_recount``: rebuild (or ``--check``) the statistics facts from the tickets,
their history events and links — after a bulk load (``hotline generate`` writes with COPY
and bypasses the event listeners) or to prove the rollup exact."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from hotline.reports.facts import RecountResult, recount
from hotline.reports.models import Fact


class Command(BaseCommand):
    help = "按工单与办理记录重新计算统计事实表;--check 只比较不写入(有差异时退出码非零)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="只比较:报告与重新计算不一致的工单数")
        parser.add_argument("--batch", type=int, default=5000, help="每批工单数(每批一个事务)")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        last = [started]

        def progress(result: RecountResult) -> None:
            if time.perf_counter() - last[0] >= 10:
                last[0] = time.perf_counter()
                rate = result.tickets / (last[0] - started)
                self.stdout.write(f"  {result.tickets:,} 张工单,{result.facts:,} 条事实({rate:,.0f} 张/秒)")

        result = recount(check=options["check"], batch=max(1, options["batch"]), progress=progress)
        seconds = time.perf_counter() - started
        if options["check"]:
            self.stdout.write(
                f"已比较 {result.tickets:,} 张工单、{result.facts:,} 条事实,用时 {seconds:.1f} 秒;"
                f"不一致的工单:{result.differing}"
            )
            if result.differing:
                raise CommandError(f"统计事实与重新计算不一致,例如工单 id {result.examples}")
            return
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:  # index-only scans need the visibility map
                cursor.execute(f"VACUUM (ANALYZE) {Fact._meta.db_table}")
        self.stdout.write(
            f"已重新计算 {result.tickets:,} 张工单的 {result.facts:,} 条统计事实,用时 {seconds:.1f} 秒"
        )
