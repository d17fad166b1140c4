"""``hotline generate --tickets N``: add simulated volume data for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from hotline.demo.volume import generate


def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "生成大批量模拟工单(性能测试用):按政策包的环节与时限模拟办理过程,"
        "PostgreSQL 使用 COPY 导入。可重复运行,编号不会冲突。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=_positive, required=True, help="要新增的工单数量")
        parser.add_argument("--seed", type=int, default=None, help="随机种子(默认随机,运行结束时打印)")
        parser.add_argument("--batch", type=_positive, default=10_000, help="每个事务写入的工单数")
        parser.add_argument("--years", type=float, default=3.0, help="收到时间分布在最近几年内(默认 3)")
        parser.add_argument("--units", type=int, default=0, help="在各县(区)下另建的部门数量,使工单分布更广")
        parser.add_argument("--handlers", type=_positive, default=3, help="每个部门至少几名承办人(默认 3)")
        parser.add_argument(
            "--history",
            choices=["full", "minimal"],
            default="full",
            help="full:每次流转一条办理记录;minimal:只写登记和结束两条",
        )
        parser.add_argument("--writers", type=_positive, default=2, help="PostgreSQL 并行写入连接数")
        parser.add_argument("--policy", default="", help="尚无单位时演示组织用的政策包")

    def handle(self, *args: Any, **options: Any) -> None:
        total = options["tickets"]
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"数据库:{connection.vendor} · 生成 {total} 张工单……")

        def progress(done: int, events: int, seconds: float) -> None:
            rate = done / seconds if seconds else 0.0
            self.stdout.write(
                f"  {done:>10,}/{total:,} 工单 · {events:,} 条记录 · {seconds:6.1f} 秒 · {rate:,.0f} 张/秒"
            )
            self.stdout.flush()

        try:
            result = generate(
                tickets=total,
                seed=options["seed"],
                batch=options["batch"],
                years=options["years"],
                extra_units=options["units"],
                handlers_per_unit=options["handlers"],
                history=options["history"],
                policy=options["policy"],
                writers=options["writers"],
                progress=progress if options["verbosity"] > 0 else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"完成:{result.tickets:,} 张工单、{result.events:,} 条办理记录,用时 {result.seconds:.1f} 秒"
                f"({result.tickets / result.seconds:,.0f} 张工单/秒,{result.rows_per_second:,.0f} 行/秒)。"
                f"随机种子 {result.seed}。"
            )
        )
