"""``hotline worker``: run the Huey consumer (ADR 0009).

Embedded (no ``REDIS_URL``): one worker on SqliteHuey in ``HOTLINE_HOME``. With Redis:
run as many as you like on as many machines; start exactly one with the scheduler
(periodic tasks) and the others with ``--no-scheduler`` (or ``HOTLINE_WORKER_SCHEDULER=0``).
SIGTERM stops gracefully (running tasks finish); a second SIGTERM stops at once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from huey.consumer import Consumer

from hotline.jobs.discovery import autodiscover_tasks
from hotline.jobs.queue import huey


class Command(BaseCommand):
    help = "运行后台任务处理进程(Huey consumer)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", "-w", type=int, default=2, help="并发工作线程数(默认 2)")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="不运行定时任务调度(多台机器时只让一个进程运行调度)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if huey.immediate:
            raise CommandError("HOTLINE_HUEY_IMMEDIATE 已开启:任务在请求内执行,无需运行 worker")
        workers = int(options["workers"])
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        scheduler = settings.HOTLINE_WORKER_SCHEDULER and not options["no_scheduler"]
        modules = autodiscover_tasks()
        log = logging.getLogger("huey")
        if not log.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
            )
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False
        backend = "Redis" if settings.REDIS_URL else f"SQLite ({settings.HOTLINE_HOME / 'huey.sqlite3'})"
        banner = (
            f"worker: queue {huey.name!r} on {backend}, {workers} threads, "
            f"scheduler {'on' if scheduler else 'off'}, tasks from {', '.join(modules) or '-'}"
        )
        consumer = _Consumer(
            huey,
            workers=workers,
            periodic=scheduler,
            worker_type="thread",
            scheduler_interval=1,
            max_delay=1.0,
            graceful_signal="TERM",
        )
        consumer.banner = banner
        consumer.stdout = self.stdout
        consumer.run()


class _Consumer(Consumer):  # type: ignore[misc]  # huey ships no type information (Consumer is Any)
    """Huey's consumer, announcing itself once it handles signals (tests wait for this line)."""

    banner = ""
    stdout: Any = None

    def _set_signal_handlers(self) -> None:
        super()._set_signal_handlers()
        if self.stdout is not None:
            self.stdout.write(self.banner)
            self.stdout.flush()
