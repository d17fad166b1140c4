"""``hotline report_documents --kind monthly --period 2026-10 [--unit JZ] [--notify]``: generate
a statistics document by hand (a new version beside any earlier one); ``--due`` does what the
worker does daily (each owed period once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.errors import HotlineError
from hotline.org.models import Unit
from hotline.reports.documents.services import PERIOD_KINDS, document_generate, generate_due, parse_period
from hotline.reports.models import DocumentTrigger


class Command(BaseCommand):
    help = "生成统计文档(PDF 与 Excel):--kind monthly|quarterly|weekly|circular --period 2026-10"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=sorted(PERIOD_KINDS), help="文档类型")
        parser.add_argument("--period", help="期间:月 2026-10、季度 2026-Q3、周 2026-W41")
        parser.add_argument("--unit", action="append", help="统计范围的单位编码(可多次;默认各顶级单位)")
        parser.add_argument("--notify", action="store_true", help="生成后通知订阅人")
        parser.add_argument(
            "--due", action="store_true", help="生成上一完整期间尚未生成的全部文档(同定时任务)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["due"]:
            report = generate_due()
            self.stdout.write(f"生成 {len(report.generated)} 份,已存在跳过 {report.skipped} 份")
            return
        if not options["kind"] or not options["period"]:
            raise CommandError("请提供 --kind 与 --period(或 --due)")
        try:
            period = parse_period(options["kind"], options["period"])
        except HotlineError as exc:
            raise CommandError(exc.detail) from exc
        codes = options["unit"] or []
        units = (
            list(Unit.objects.filter(code__in=codes))
            if codes
            else list(Unit.objects.filter(parent__isnull=True))
        )
        missing = set(codes) - {u.code for u in units}
        if missing:
            raise CommandError(f"单位不存在:{'、'.join(sorted(missing))}")
        for unit in units:
            document = document_generate(
                kind=options["kind"],
                period=period,
                unit=unit,
                trigger=DocumentTrigger.MANUAL,
                notify=options["notify"],
            )
            assert document is not None  # manual: always a new version
            self.stdout.write(
                f"{document.title} v{document.version}: {document.pdf.name} {document.xlsx.name}"
            )
