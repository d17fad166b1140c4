"""``hotline backup DEST``: the database and the attachments in one archive (see ops.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库与附件到一个归档文件(PostgreSQL 用 pg_dump,SQLite 用在线备份)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", help="归档文件名(.tar,或 .tar.gz 压缩),或已存在的目录(文件名按时间生成)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path, manifest = backup(Path(options["dest"]), say=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ",".join(f"{k} {v}" for k, v in manifest.counts.items())
        self.stdout.write(self.style.SUCCESS(f"备份完成:{path}"))
        self.stdout.write(f"  数据库 {manifest.vendor};{counts}")
        self.stdout.write(f"  文件 {len(manifest.files)} 个,清单校验和 {manifest.checksum()}")
