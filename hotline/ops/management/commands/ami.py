"""``hotline ami``: the Asterisk AMI listener (live call events into the call log)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from hotline.telephony import services
from hotline.telephony.ami.client import AmiAuthError, AmiClient, AmiConnectionError
from hotline.telephony.ami.listener import Config, Listener
from hotline.telephony.ami.mapping import MONITOR_DIR, Options
from hotline.telephony.calls import Applied, Incoming


def _apply(event: Incoming) -> Applied:
    close_old_connections()  # a long-running process: drop a connection the database closed
    return services.apply_event(event)


def _reconcile(call_ids: Iterable[str], source: str) -> int:
    close_old_connections()
    return services.reconcile(call_ids, source)


class Command(BaseCommand):
    help = (
        "连接 Asterisk 管理接口(AMI),把来电、振铃、接听、挂机、录音事件写入通话记录;"
        "断线后自动重连(1 秒起倍增至 30 秒),重连后核对通话。"
        "连接参数取自 HOTLINE_AMI_HOST / HOTLINE_AMI_PORT / HOTLINE_AMI_USER / HOTLINE_AMI_SECRET。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="只测试连接:登录、查询当前通话数后退出(不写入数据)"
        )
        parser.add_argument(
            "--monitor-dir",
            default=MONITOR_DIR,
            help=f"Asterisk 主机上 MixMonitor 录音目录,录音文件名相对于它保存(默认 {MONITOR_DIR})",
        )
        parser.add_argument(
            "--inbound-context",
            action="append",
            default=[],
            metavar="CONTEXT",
            help="呼入上下文(可重复);该上下文中新建的通道即记为来电(默认只以进入队列 QueueCallerJoin 为来电)",
        )

    def say(self, text: str) -> None:
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {text}")

    def handle(self, *args: Any, **options: Any) -> None:
        config = Config.from_settings(
            options=Options(
                inbound_contexts=frozenset(options["inbound_context"]),
                monitor_dir=options["monitor_dir"],
            )
        )
        if not config.host:
            raise CommandError("未配置交换机 (HOTLINE_AMI_HOST):请设置 HOTLINE_AMI_HOST 等连接参数")
        if options["check"]:
            asyncio.run(self._check(config))
            return
        self.say(f"AMI 监听启动:{config.host}:{config.port},用户 {config.username}")
        listener = Listener(config, apply=_apply, reconcile=_reconcile, say=self.say)
        asyncio.run(self._run(listener))
        self.say("AMI 监听已停止")

    async def _run(self, listener: Listener) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(listener.shutdown()))
        await listener.run()

    async def _check(self, config: Config) -> None:
        client = AmiClient(config.host, config.port, config.username, config.secret, events=False)
        try:
            await client.connect()
        except AmiAuthError as exc:
            raise CommandError(f"登录被拒绝({exc}):请检查 HOTLINE_AMI_USER / HOTLINE_AMI_SECRET") from exc
        except AmiConnectionError as exc:
            raise CommandError(f"无法连接 {config.host}:{config.port}:{exc}") from exc
        try:
            self.say(f"已连接 {config.host}:{config.port}(Asterisk Call Manager/{client.version}),登录成功")
            pong = await client.send("Ping")
            self.say(f"Ping:{pong.get('Ping') or pong.get('Message') or pong.response}")
            answer = await client.send("CoreShowChannels")
            if answer.response == "Success":
                self.say("CoreShowChannels 可用(重连后可核对通话)")
            else:
                self.say(
                    f"CoreShowChannels 被拒绝:{answer.get('Message')}(请在 manager.conf 中授予 read=call)"
                )
        finally:
            await client.logoff()
