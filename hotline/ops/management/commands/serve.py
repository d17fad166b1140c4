"""``hotline serve``: the production web server (gunicorn, gthread workers; ADR 0014).

Collects the static files (hashed names, served by WhiteNoise), then replaces itself with
gunicorn: ``--workers`` processes (default 2 × cores + 1, at most 8) of ``--threads``
threads each. Stop it with SIGTERM (running requests finish) or Ctrl-C. It does not
migrate: run ``hotline migrate`` once per upgrade, before the new version serves.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from hotline.core.checks import refuse_insecure_bind
from hotline.ops import server


class Command(BaseCommand):
    help = "启动生产 Web 服务(gunicorn;静态文件由 WhiteNoise 提供)"
    requires_system_checks: list[str] = []  # run below, with the deploy checks' output

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址(默认 127.0.0.1;对外服务时放在 nginx 之后)"
        )
        parser.add_argument("--port", type=int, default=8000, help="端口(默认 8000)")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=f"进程数(默认 HOTLINE_WEB_WORKERS,或 2×CPU 核数+1,最多 {server.MAX_DEFAULT_WORKERS})",
        )
        parser.add_argument(
            "--threads", type=int, default=None, help="每个进程的线程数(默认 HOTLINE_WEB_THREADS=4)"
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="不收集静态文件(已由部署脚本收集时)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        workers: int = options["workers"] or settings.HOTLINE_WEB_WORKERS or server.default_workers()
        threads: int = options["threads"] or settings.HOTLINE_WEB_THREADS
        if not 1 <= port <= 65535:
            raise CommandError(f"端口必须在 1–65535 之间:{port}")
        if workers < 1 or threads < 1:
            raise CommandError("--workers 与 --threads 至少为 1")
        refuse_insecure_bind(host)  # a known signing key only on loopback
        self.check(display_num_errors=False)
        if not server.port_is_free(host, port):
            raise CommandError(f"{server.bind_address(host, port)} 已被占用(另一个服务在运行?)")
        pending = self._pending_migrations()
        if pending:
            self.stderr.write(
                self.style.WARNING(
                    f"还有 {pending} 个数据库迁移未执行:先运行 `hotline migrate`(/readyz 在此之前报告未就绪)"
                )
            )
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = server.gunicorn_argv(host=host, port=port, workers=workers, threads=threads)
        env = server.gunicorn_env()
        self.stdout.write(
            f"hotline serve: http://{server.bind_address(host, port)}/ — {workers} 个进程 × {threads} 个线程"
            f"(gunicorn gthread),静态文件 {settings.STATIC_ROOT}"
        )
        self.stdout.flush()
        sys.stderr.flush()
        connections.close_all()
        os.execve(argv[0], argv, env)

    def _pending_migrations(self) -> int:
        try:
            executor = MigrationExecutor(connections["default"])
            return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        except Exception as exc:  # the database is down: serve anyway, /readyz says not ready
            self.stderr.write(self.style.WARNING(f"暂时无法连接数据库({type(exc).__name__}),服务仍启动"))
            return 0
