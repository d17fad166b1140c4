"""``hotline demo``: migrate the embedded database, load demo data, print logins, serve
through ``hotline serve`` (gunicorn, as in production).

Serving also starts one ``hotline worker`` beside the web server (reminders, escalation,
return visits, message delivery), stopped when the demo stops; ``--no-worker`` leaves it out.
The worker's output goes to ``HOTLINE_HOME/var/worker.log``, not to the demo's console.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.checks import refuse_insecure_bind
from hotline.demo.knowledge import seed_knowledge
from hotline.demo.phone import AGENTS as PHONE_AGENTS
from hotline.demo.phone import seed_phone
from hotline.demo.seed import DEFAULT_DEMO_PASSWORD, TELECOM_USERS, USERS, seed_org, seed_telecom
from hotline.demo.tickets import seed_tickets
from hotline.knowledge.models import Article, Script
from hotline.policies.registry import all_packs
from hotline.tickets.models import Ticket


def worker_log_path() -> Path:
    return Path(settings.HOTLINE_HOME) / "var" / "worker.log"


def start_worker(log_path: Path, *, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start one ``hotline worker`` writing everything it prints (banner, task log,
    tracebacks) to the end of ``log_path`` instead of the console."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "worker"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
        )


def start_server(host: str, port: int, *, collectstatic: bool = True) -> subprocess.Popen[bytes]:
    """``hotline serve`` (gunicorn, several processes) as a child: Ctrl-C in the terminal reaches it too."""
    extra = [] if collectstatic else ["--no-collectstatic"]
    return subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "serve", "--host", host, "--port", str(port), *extra],
        stdin=subprocess.DEVNULL,
    )


class Command(BaseCommand):
    help = "准备演示环境(迁移数据库、演示组织与用户、知识库、演示工单)并启动服务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--tickets", type=int, default=300, help="演示工单数量(仅在数据库中还没有工单时生成)"
        )
        parser.add_argument("--no-serve", action="store_true", help="只准备数据,不启动服务")
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="不重新收集静态文件(上次已收集、代码未变时更快)"
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="不启动后台任务进程(催办、回访、消息发送)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_serve"]:
            refuse_insecure_bind(options["host"])  # before anything is written (issue 16)
        call_command("migrate", interactive=False, verbosity=0)
        packs = all_packs()
        password = os.environ.get("HOTLINE_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        org = seed_org(password=password)
        telecom = seed_telecom(password=password)
        seed_knowledge(org=org, telecom=telecom)
        seed_phone({**org.users, **telecom.users})
        if not Ticket.objects.exists():
            self.stdout.write(f"正在生成 {options['tickets']} 张演示工单……")
            seed_tickets(org, count=options["tickets"])
        self.stdout.write(self.style.SUCCESS(f"政策包:{', '.join(p.code for p in packs)}"))
        self.stdout.write(f"工单数:{Ticket.objects.count()}")
        self.stdout.write(f"知识库:{Article.objects.count()} 条知识,{Script.objects.count()} 个规范应答脚本")
        self.stdout.write("演示账号(用户名 / 角色 / 单位),密码均为:" + password)
        for username, display, role, unit in USERS:
            self.stdout.write(f"  {username:<12} {display} · {role} · {org.units[unit].name}")
        staff = "、".join(f"{username} {staff_no}" for username, staff_no, _ in PHONE_AGENTS)
        self.stdout.write(f"座席签入(工号,分机号任填 2–10 位数字,如 8001):{staff}")
        self.stdout.write("电信演示(江州通信分公司,政策包 telecom):")
        for username, display, role, unit in TELECOM_USERS:
            self.stdout.write(f"  {username:<12} {display} · {role} · {telecom.units[unit].name}")
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(f"工作台: {url}/   公众门户: {url}/public/")
        self.stdout.write(f"管理后台: {url}/admin/   API 文档: {url}/api/docs/")
        if options["no_serve"]:
            return
        worker = None
        if not options["no_worker"]:
            log_path = worker_log_path()
            worker = start_worker(log_path)
            self.stdout.write(f"后台任务进程已启动(pid {worker.pid}),日志写入 {log_path}")
        # the server and the worker stop with the demo, on Ctrl-C or on SIGTERM alike
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.flush()
        server = start_server(options["host"], options["port"], collectstatic=not options["no_collectstatic"])
        try:
            code = server.wait()
        finally:
            for process in (server, worker):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=40)
        if code:
            raise CommandError(f"Web 服务已退出(退出码 {code})")
