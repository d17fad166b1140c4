"""``hotline calendar import FILE`` and ``hotline calendar show YEAR``.

The import file format is described in ``docs/guide/calendar.md`` and in
``hotline.calendar.services.import_schedule``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.calendar import services, statutory
from hotline.core.errors import InvalidInput


class Command(BaseCommand):
    help = "工作日历：导入国务院办公厅节假日安排（import），查看某年休息日（show）。"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,show}")
        do_import = actions.add_parser("import", help="导入节假日安排文件（见 docs/guide/calendar.md）")
        do_import.add_argument("file", type=Path, help="UTF-8 文本文件，每行“日期,rest|work,说明”")
        do_import.add_argument("--source", default="", help="来源说明，如通知文号；默认为文件名")
        show = actions.add_parser("show", help="列出某年的节假日和调休上班日")
        show.add_argument("year", type=int)
        show.add_argument("--all", action="store_true", help="也列出普通周末")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options["file"], options["source"])
        else:
            self._show(options["year"], show_all=options["all"])

    def _import(self, path: Path, source: str) -> None:
        try:
            result = services.import_schedule(path=path, source_note=source or path.name)
        except InvalidInput as exc:
            raise CommandError(f"导入失败，未写入任何数据：{exc.detail}") from exc
        for year in result.years:
            days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
            self.stdout.write(f"已导入 {year} 年：{days} 天，标记为官方数据。")
        self.stdout.write(f"共写入 {result.days} 天。")
        if result.recomputed is None:
            self.stdout.write("未重算工单期限（办理流程未提供 recompute_provisional_deadlines）。")
        else:
            self.stdout.write(f"重新计算了 {result.recomputed} 个工单的期限。")

    def _show(self, year: int, *, show_all: bool) -> None:
        first, last = statutory.FIRST_SUPPORTED_YEAR, statutory.LAST_SUPPORTED_YEAR
        if not first <= year <= last:
            raise CommandError(f"只支持 {first} 至 {last} 年。")
        try:
            days = services.days_between(start=date(year, 1, 1), end=date(year, 12, 31))
        except InvalidInput as exc:
            raise CommandError(exc.detail) from exc
        provisional = days[0].provisional
        if provisional:
            self.stdout.write(
                f"{year} 年（临时）：尚未导入官方安排，按《全国年节及纪念日放假办法》推算，不含调休。"
            )
        else:
            self.stdout.write(f"{year} 年（官方）")
        for day in days:
            if day.note or (show_all and not day.is_working):
                kind = "上班" if day.is_working else "休息"
                weekday = _WEEKDAYS[day.date.weekday()]
                self.stdout.write(f"{day.date.isoformat()} 周{weekday} {kind} {day.note}".rstrip())
        rest = sum(1 for day in days if not day.is_working)
        self.stdout.write(f"休息日 {rest} 天，工作日 {len(days) - rest} 天。")


_WEEKDAYS = "一二三四五六日"
