"""``hotline restore SRC [--force]``: load an archive made by ``hotline backup``.

Stop ``hotline serve`` and every ``hotline worker`` first. The archive is checked file by
file before anything changes; a database that holds data, or attachments already on disk,
are only overwritten with ``--force`` (the old attachments are moved aside, not deleted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "从 hotline backup 的归档恢复数据库与附件(默认只恢复到空数据库)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", help="hotline backup 生成的归档文件")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库已有数据或仍有连接时也覆盖(原附件目录会被移到一旁)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(Path(options["src"]), force=options["force"], say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ",".join(f"{k} {v}" for k, v in manifest.counts.items())
        self.stdout.write(self.style.SUCCESS(f"恢复完成(备份时间 {manifest.created_at}):{counts}"))
        self.stdout.write("如本程序比备份新,请接着运行 `hotline migrate`。")
