"""``hotline telephony agi`` (the FastAGI server) and ``hotline telephony asterisk-config``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.ops.ivr import progress_status
from hotline.telephony.agi.server import AgiServer, Config
from hotline.telephony.ami.mapping import MONITOR_DIR
from hotline.telephony.asterisk_config import render


class Command(BaseCommand):
    help = (
        "电话路由与语音导航:agi 运行 FastAGI 服务(Asterisk 来问路由、菜单、自助查询、留言、满意度);"
        "asterisk-config 生成 Asterisk 配置片段(拨号方案、队列、语音文件)。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{agi,asterisk-config}")
        agi = actions.add_parser("agi", help="运行 FastAGI 服务")
        agi.add_argument("--host", default=None, help="监听地址(默认 HOTLINE_AGI_HOST)")
        agi.add_argument("--port", type=int, default=None, help="监听端口(默认 HOTLINE_AGI_PORT)")
        agi.add_argument(
            "--monitor-dir",
            default=MONITOR_DIR,
            help=f"Asterisk 主机上的录音目录,留言录在其下(默认 {MONITOR_DIR})",
        )
        config = actions.add_parser("asterisk-config", help="生成 Asterisk 配置片段")
        config.add_argument(
            "--agi-host", default=None, help="Asterisk 连接 Hotline 用的地址(默认 HOTLINE_AGI_HOST)"
        )
        config.add_argument("--agi-port", type=int, default=None, help="默认 HOTLINE_AGI_PORT")
        config.add_argument(
            "--out", type=Path, default=None, help="写入该目录(含语音文件);不给则打印到标准输出"
        )

    def say(self, text: str) -> None:
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {text}")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "agi":
            self._agi(options)
        else:
            self._config(options)

    def _agi(self, options: dict[str, Any]) -> None:
        config = Config(
            host=options["host"] or settings.HOTLINE_AGI_HOST,
            port=settings.HOTLINE_AGI_PORT if options["port"] is None else options["port"],
            monitor_dir=options["monitor_dir"],
            fresh_connections=True,
        )
        server = AgiServer(config, progress=progress_status)
        asyncio.run(self._run(server))
        self.say("FastAGI 服务已停止")

    async def _run(self, server: AgiServer) -> None:
        try:
            await server.start()
        except OSError as exc:
            raise CommandError(f"无法监听 {server.config.host}:{server.config.port}:{exc}") from exc
        self.say(f"FastAGI 服务启动:{server.config.host}:{server.port}")
        serving = asyncio.ensure_future(server.serve_forever())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, serving.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await server.stop()

    def _config(self, options: dict[str, Any]) -> None:
        host = options["agi_host"] or settings.HOTLINE_AGI_HOST
        if host in ("", "0.0.0.0", "::"):
            raise CommandError("请用 --agi-host 指定 Asterisk 连接 Hotline 的地址(不能是 0.0.0.0)")
        port = settings.HOTLINE_AGI_PORT if options["agi_port"] is None else options["agi_port"]
        fragments = render(agi_host=host, agi_port=port, outbound_context=settings.HOTLINE_AMI_CONTEXT)
        out: Path | None = options["out"]
        if out is None:
            for name, text in fragments.files.items():
                self.stdout.write(f";;; ===== {name} =====\n{text}")
        else:
            for name, text in fragments.files.items():
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                (out / name).write_text(text, encoding="utf-8")
            for name, audio in fragments.sounds.items():
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                (out / name).write_bytes(audio)
            self.stdout.write(
                f"已写入 {out}:{len(fragments.files)} 个配置文件,{len(fragments.sounds)} 个语音文件"
            )
        if fragments.missing_prompts:
            self.stderr.write(
                "尚未上传的系统提示音(语音提示的文件名):" + "、".join(fragments.missing_prompts)
            )
