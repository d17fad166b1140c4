"""The AMI listener behind ``hotline ami``: Asterisk's live events into the call log.

One long-running loop: connect and log in, ask ``CoreShowChannels`` (the calls the PBX
has now), feed every mapped event to ``services.apply_event`` in arrival order, and when
the snapshot's last item arrives call ``services.reconcile`` with the live Linkedids, so a
call that ended while we were away is closed (cause ``reconciled``). The snapshot is
handled at its place in the event stream: events that arrived before it are applied
first, so a hangup seen just before the snapshot keeps its real cause.

A broken connection (or a Ping left unanswered) ends the session; the loop waits 1 s,
2 s, 4 s … up to 30 s (±20 % jitter) and connects again; a successful login resets the
wait. Nothing is applied twice: each event has a dedupe key, and the fold is idempotent.

The database work is sync Django ORM: it runs through ``sync_to_async(thread_sensitive=
True)``, one thread, never in the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.conf import settings

from hotline.core.errors import InvalidInput
from hotline.telephony.ami.client import AmiAuthError, AmiClient, AmiConnectionError, Message, next_action_id
from hotline.telephony.ami.mapping import (
    DEFAULT,
    SOURCE,
    Options,
    live_call_ids,
    map_event,
    needs_recording_lookup,
    recording_event,
)
from hotline.telephony.calls import Applied, Incoming

logger = logging.getLogger("hotline.telephony.ami")

REJECT_CAUSE = "21"  # Q.850 call rejected: a blocked number's channel is hung up with it


@dataclass(frozen=True)
class Config:
    host: str
    port: int
    username: str
    secret: str
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    jitter: float = 0.2
    ping_interval: float = 20.0
    timeout: float = 10.0
    apply_attempts: int = 5
    options: Options = field(default_factory=lambda: DEFAULT)

    @classmethod
    def from_settings(cls, **overrides: object) -> Config:
        values: dict[str, object] = {
            "host": settings.HOTLINE_AMI_HOST,
            "port": settings.HOTLINE_AMI_PORT,
            "username": settings.HOTLINE_AMI_USER,
            "secret": settings.HOTLINE_AMI_SECRET,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]  # keys are the dataclass's fields


def backoff_delay(attempt: int, config: Config, rng: random.Random) -> float:
    """The wait before reconnect number ``attempt`` (0-based): doubling from the initial
    wait, capped, with proportional jitter so many listeners do not reconnect in step."""
    base = min(config.backoff_max, config.backoff_initial * float(2 ** min(attempt, 30)))
    spread = 1 + config.jitter * rng.uniform(-1.0, 1.0)
    return max(0.0, min(config.backoff_max, base * spread))


def _default_apply(event: Incoming) -> Applied:
    from hotline.telephony import services

    return services.apply_event(event)


def _default_reconcile(call_ids: Iterable[str], source: str) -> int:
    from hotline.telephony import services

    return services.reconcile(call_ids, source)


class Listener:
    """``await Listener(config).run()`` until ``await shutdown()``. Counters for the
    operator (and tests): logins, disconnects, events applied, duplicates, snapshots."""

    def __init__(
        self,
        config: Config,
        *,
        apply: Callable[[Incoming], Applied] = _default_apply,
        reconcile: Callable[[Iterable[str], str], int] = _default_reconcile,
        say: Callable[[str], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._apply_sync = apply
        self._reconcile_sync = reconcile
        self._say = say or (lambda text: logger.info("%s", text))
        self._rng = rng or random.Random()
        self._stopping = False
        self._wake: asyncio.Event | None = None
        self._client: AmiClient | None = None
        self.connected = False
        self.logins = 0
        self.disconnects = 0
        self.failures = 0
        self.applied = 0
        self.duplicates = 0
        self.snapshots = 0
        self.reconciled = 0
        self.rejected = 0

    # --- the loop ---------------------------------------------------------------------

    async def run(self) -> None:
        self._wake = asyncio.Event()
        attempt = 0
        where = f"{self.config.host}:{self.config.port}"
        while not self._stopping:
            logged_in_before = self.logins
            try:
                await self._session()
            except AmiAuthError as exc:
                self.failures += 1
                logger.error("AMI %s 登录被拒绝(%s):请检查 HOTLINE_AMI_USER / HOTLINE_AMI_SECRET", where, exc)
                self._say(f"登录被拒绝:{exc}")
            except AmiConnectionError as exc:
                self.failures += 1
                logger.warning("AMI %s 连接失败:%s", where, exc)
                self._say(f"连接失败:{exc}")
            except Exception:  # a bug must not end the listener: log it, connect again
                self.failures += 1
                logger.exception("AMI %s 监听出错", where)
            if self._stopping:
                break
            if self.logins > logged_in_before:
                attempt = 0
            delay = backoff_delay(attempt, self.config, self._rng)
            attempt += 1
            self._say(f"{delay:.1f} 秒后重新连接 {where}")
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass

    async def shutdown(self) -> None:
        """Stop: log off the open connection (if any) and end ``run``."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
        if self._client is not None:
            await self._client.logoff()

    async def _session(self) -> None:
        cfg = self.config
        client = AmiClient(cfg.host, cfg.port, cfg.username, cfg.secret, timeout=cfg.timeout)
        await client.connect()
        self._client = client
        self.connected = True
        self.logins += 1
        logger.info("AMI 已连接 %s:%s (Asterisk Call Manager/%s)", cfg.host, cfg.port, client.version)
        self._say(f"已连接 {cfg.host}:{cfg.port}(Asterisk Call Manager/{client.version})")
        pinger = asyncio.create_task(self._ping(client), name="ami-ping")
        try:
            await self._stream(client)
        finally:
            pinger.cancel()
            await client.close()
            self._client = None
            self.connected = False
            self.disconnects += 1
            if not self._stopping:
                logger.warning("AMI 连接断开 %s:%s", cfg.host, cfg.port)
                self._say("连接断开")

    async def _stream(self, client: AmiClient) -> None:
        snapshot = next_action_id()
        channels: list[Message] = []
        try:
            answer = await client.send("CoreShowChannels", ActionID=snapshot)
        except AmiConnectionError:
            return
        if answer.response != "Success":
            logger.warning(
                "AMI CoreShowChannels 被拒绝(%s):断线期间结束的通话无法核对", answer.get("Message")
            )
        async for message in client.events():
            if self._stopping:
                return
            if snapshot and message.action_id == snapshot:
                if message.event == "CoreShowChannel":
                    channels.append(message)
                elif message.event == "CoreShowChannelsComplete":
                    await self._reconcile(live_call_ids(channels))
                    snapshot, channels = "", []
                continue
            await self._handle(client, message)

    async def _ping(self, client: AmiClient) -> None:
        """A connection that no longer answers Ping is dead (a NAT or firewall may drop it
        silently): close it, so the loop reconnects."""
        while True:
            await asyncio.sleep(self.config.ping_interval)
            try:
                await client.send("Ping")
            except AmiConnectionError:
                logger.warning("AMI Ping 无应答,重新连接")
                await client.close()
                return

    # --- one event --------------------------------------------------------------------

    async def _handle(self, client: AmiClient, message: Message) -> None:
        incoming = map_event(message, self.config.options)
        if incoming is None and needs_recording_lookup(message):
            try:
                answer = await client.send(
                    "Getvar", Channel=str(message.get("Channel")), Variable="MIXMONITOR_FILENAME"
                )
            except AmiConnectionError:
                return
            if answer.response == "Success" and answer.get("Value"):
                incoming = recording_event(message, str(answer.get("Value")), self.config.options)
        if incoming is None:
            return
        applied = await self._apply(incoming)
        if applied is None:
            return
        if applied.duplicate:
            self.duplicates += 1
        else:
            self.applied += 1
        if applied.action == "reject" and not applied.duplicate and incoming.kind == "newCall":
            # a blocked number: the PBX is told to hang up the caller's channel
            self.rejected += 1
            try:
                await client.send("Hangup", Channel=str(message.get("Channel")), Cause=REJECT_CAUSE)
            except AmiConnectionError:
                pass

    async def _apply(self, incoming: Incoming) -> Applied | None:
        """Apply one event; a failing database is tried again (1 s, 2 s, … within the
        backoff cap) before the event is given up, with its content in the log."""
        apply = sync_to_async(self._apply_sync, thread_sensitive=True)
        for attempt in range(self.config.apply_attempts):
            try:
                return await apply(incoming)
            except InvalidInput as exc:
                logger.warning("AMI 事件无法处理:%s %s", exc, incoming.raw)
                return None
            except Exception:
                logger.exception("AMI 事件写入失败(第 %s 次):%s", attempt + 1, incoming.raw)
                if attempt + 1 < self.config.apply_attempts:
                    await asyncio.sleep(backoff_delay(attempt, self.config, self._rng))
        logger.error("AMI 事件放弃:%s", incoming.raw)
        return None

    async def _reconcile(self, call_ids: set[str]) -> None:
        reconcile = sync_to_async(self._reconcile_sync, thread_sensitive=True)
        try:
            ended = await reconcile(call_ids, SOURCE)
        except Exception:
            logger.exception("AMI 通话核对失败")
            return
        self.snapshots += 1
        self.reconciled += ended
        if ended:
            logger.info("AMI 核对:%s 个断线期间已结束的通话已关闭", ended)
            self._say(f"核对:{ended} 个断线期间已结束的通话已关闭")
