"""The FastAGI server behind ``hotline telephony agi`` (asyncio, one task per connection).

Each connection is one script run: read the environment, find the script by
``agi_network_script`` (``agi://host:port/route`` → ``route``), run it, close. Nothing a
connection sends can stop the server: a malformed environment or an unknown script is
logged and answered ``HANGUP``; a script that fails (the database away, say) is logged and
the connection closed without answers, so the dialplan goes on with its own defaults
(the generated one sets the number's queue before asking). A caller who hangs up ends
the script quietly.

The database work is sync Django ORM, run by ``sync_to_async(thread_sensitive=True)``
(one thread, never the event loop); a long-running process first drops connections the
database closed (``fresh_connections``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.utils import timezone

from hotline.telephony.agi.protocol import AgiError, Hangup, Session
from hotline.telephony.agi.scripts import SCRIPTS, Context, ProgressLookup
from hotline.telephony.ami.mapping import MONITOR_DIR

logger = logging.getLogger("hotline.telephony.agi")

T = TypeVar("T")


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 4573  # 0: any free port (tests)
    monitor_dir: str = MONITOR_DIR  # where Asterisk writes recordings (RECORD FILE goes there)
    env_timeout: float = 10.0  # the environment must arrive within this
    reply_timeout: float = 300.0  # a command's reply (plus its own play/record time)
    fresh_connections: bool = False  # close_old_connections() before database work


def script_name(env: dict[str, str]) -> str:
    """``agi_network_script`` without slashes or a query (``/route?x`` → ``route``)."""
    return env.get("network_script", "").split("?", 1)[0].strip().strip("/")


class AgiServer:
    """``await start()`` … ``await stop()``; counters for the operator and tests."""

    def __init__(
        self,
        config: Config,
        *,
        progress: ProgressLookup,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.config = config
        self._progress = progress
        self._clock = clock
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = config.port
        self.sessions = 0
        self.rejected = 0  # malformed or unknown: answered HANGUP
        self.failures = 0  # a script raised

    async def _blocking(self, fn: Callable[[], T]) -> T:
        def work() -> T:
            if self.config.fresh_connections:
                close_old_connections()
            return fn()

        return await sync_to_async(work, thread_sensitive=True)()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connected, self.config.host, self.config.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        with contextlib.suppress(asyncio.CancelledError):
            await self._server.serve_forever()

    async def stop(self, grace: float = 5.0) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._handle(Session(reader, writer, reply_timeout=self.config.reply_timeout))
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _handle(self, session: Session) -> None:
        self.sessions += 1
        try:
            env = await session.read_env(self.config.env_timeout)
        except AgiError as exc:
            logger.warning("AGI: malformed request (%s)", exc)
            await self._refuse(session)
            return
        name = script_name(env)
        script = SCRIPTS.get(name)
        call_id = (session.arg(1) or env.get("uniqueid", "")).strip()[:128]
        if script is None or not call_id:
            logger.warning("AGI: unknown script %r or no call id (channel %s)", name[:40], env.get("channel"))
            await self._refuse(session)
            return
        context = Context(
            session=session,
            call_id=call_id,
            run=self._blocking,
            now=self._clock,
            progress=self._progress,
            monitor_dir=self.config.monitor_dir,
        )
        try:
            await script(context)
        except Hangup:
            logger.info("call %s: caller hung up during %s", call_id, name)
        except AgiError as exc:
            logger.warning("call %s: %s stopped: %s", call_id, name, exc)
        except Exception:
            self.failures += 1
            logger.exception("call %s: %s failed", call_id, name)

    async def _refuse(self, session: Session) -> None:
        self.rejected += 1
        with contextlib.suppress(AgiError, ConnectionError):
            await session.command("HANGUP", timeout=5)
