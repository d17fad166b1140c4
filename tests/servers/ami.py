"""An Asterisk Manager Interface (AMI) server on loopback that speaks AMI's wire protocol.

Asterisk is not packaged for this machine, so the telephony tests talk to this server
instead: a real TCP server (asyncio, in a background thread) with Asterisk's framing and
answers, so the client under test cannot tell it from a PBX at the protocol level.

What it follows — Asterisk 18 (AMI 7.0.3, the banner below); the fields of the events
used here are the same in Asterisk 20 (docs.asterisk.org, "Asterisk 18 / 20 Documentation
→ AMI Events": QueueCallerJoin, AgentCalled, AgentConnect, AgentComplete,
AgentRingNoAnswer, QueueCallerLeave, QueueCallerAbandon, Hangup, VarSet, MixMonitorStart,
CoreShowChannel, CoreShowChannelsComplete) and the exchanges recorded in panoramisk's
fixtures (Login, Logoff, Ping, QueueAdd):

- the banner ``Asterisk Call Manager/7.0.3`` (one line), then CRLF ``Key: Value`` blocks
  ended by an empty line, both ways; keys of actions are matched without regard to case;
- ``Response: Success|Error|Goodbye`` with the action's ``ActionID`` echoed and a
  ``Message``; an action before Login → ``Error`` / ``Permission denied``;
- Login (``Username``/``Secret``; a wrong one → ``Error`` / ``Authentication failed`` and the
  connection closed; ``Events: off`` → no events), Logoff (``Goodbye`` / ``Thanks for all
  the fish.``, closed), Ping (``Ping: Pong``, ``Timestamp``);
- events as ``Event:`` blocks with ``Privilege`` (and ``Timestamp``, as with manager.conf
  ``timestampevents = yes``) to every logged-in client that asked for events;
- CoreShowChannels from the live channels: ``Response: Success`` / ``EventList: start`` /
  ``Message: Channels will follow``, one ``CoreShowChannel`` per channel carrying the
  ActionID, then ``CoreShowChannelsComplete`` with ``EventList: Complete`` / ``ListItems``;
- Getvar (channel variables set by VarSet or a scenario hint), QueueAdd / QueueRemove /
  QueuePause (membership kept, Asterisk's messages), Originate (``Originate successfully
  queued``), Redirect, Park (res_parking's answers), Hangup (the channel's Hangup event
  follows), MixMonitor.

Every action received is recorded (``actions``), so tests assert what was sent.
``drop()`` closes every connection; ``refuse()`` also stops listening (a PBX down) and
``accept()`` listens again on the same port; ``silent = True`` reads actions without
answering them (a hung PBX or a half-open connection). Events played while nobody is
logged in are lost, as with a real Asterisk — but the live channels still change, which
is what ``CoreShowChannels`` answers after a reconnect.

The event sequences of real calls are written by ``tests.servers.ami_calls``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tests.servers import free_port

BANNER_VERSION = "7.0.3"  # Asterisk 18's AMI version
CRLF = "\r\n"

PRIVILEGE = {
    "FullyBooted": "system,all",
    "VarSet": "dialplan,all",
    "QueueCallerJoin": "agent,all",
    "QueueCallerLeave": "agent,all",
    "QueueCallerAbandon": "agent,all",
    "AgentCalled": "agent,all",
    "AgentConnect": "agent,all",
    "AgentComplete": "agent,all",
    "AgentRingNoAnswer": "agent,all",
    "QueueMemberAdded": "agent,all",
    "QueueMemberRemoved": "agent,all",
    "QueueMemberPause": "agent,all",
}
CHANNEL_KEYS = (
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
)


def _block(pairs: Iterable[tuple[str, str]]) -> bytes:
    return (CRLF.join(f"{k}: {v}" for k, v in pairs) + CRLF + CRLF).encode()


def _parse(data: bytes) -> dict[str, Any]:
    """An action block → dict (a repeated key, such as Variable, → a list)."""
    fields: dict[str, Any] = {}
    for line in data.decode("utf-8", errors="replace").split(CRLF):
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key in fields:
            old = fields[key]
            fields[key] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            fields[key] = value
    return fields


def _get(fields: dict[str, Any], key: str) -> str:
    for k, v in fields.items():
        if k.lower() == key.lower():
            return v if isinstance(v, str) else v[0]
    return ""


@dataclass(eq=False)
class _Session:
    writer: asyncio.StreamWriter
    authed: bool = False
    events: bool = True


@dataclass
class LiveChannel:
    fields: dict[str, str]
    created: float
    variables: dict[str, str] = field(default_factory=dict)
    bridge: str = ""
    application: str = ""


class AmiServer:
    def __init__(
        self,
        username: str = "hotline",
        secret: str = "ami-secret",
        *,
        port: int | None = None,
        timestamps: bool = True,
        queues: Iterable[str] = ("hotline",),
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.username, self.secret = username, secret
        self.timestamps = timestamps
        self.queues: dict[str, dict[str, dict[str, str]]] = {q: {} for q in queues}
        self.channels: dict[str, LiveChannel] = {}
        self._actions: list[dict[str, Any]] = []
        self._sessions: set[_Session] = set()
        self._lock = threading.Lock()
        self.logins = 0
        self.failed_logins = 0
        self.silent = False  # True: actions are read and recorded but never answered (a hung PBX)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None

    # --- life ---------------------------------------------------------------------------

    def start(self) -> AmiServer:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.call_soon(ready.set)
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="ami-server", daemon=True)
        self._thread.start()
        ready.wait(5)
        self.accept()
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        self.refuse()
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop.close()
        self._loop = None

    def _call(self, make: Callable[[], Any], timeout: float = 5) -> Any:
        assert self._loop is not None, "server not started"
        return asyncio.run_coroutine_threadsafe(make(), self._loop).result(timeout)

    def accept(self) -> None:
        """Listen (again) on the same port."""

        async def listen() -> None:
            if self._server is not None:
                return
            for _ in range(50):  # the port may linger a moment after a close
                try:
                    self._server = await asyncio.start_server(self._serve, self.host, self.port)
                    return
                except OSError:
                    await asyncio.sleep(0.1)
            raise RuntimeError(f"AMI server could not bind {self.port}")

        self._call(listen)

    def drop(self) -> None:
        """Close every client connection (the server keeps listening)."""

        async def close_all() -> None:
            for session in list(self._sessions):
                session.writer.close()
            self._sessions.clear()

        self._call(close_all)

    def refuse(self) -> None:
        """Stop listening and close every connection: the PBX is gone until ``accept``."""

        async def shut() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
                self._server = None
            for session in list(self._sessions):
                session.writer.close()
            self._sessions.clear()

        self._call(shut)

    # --- what tests look at ---------------------------------------------------------------

    @property
    def actions(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._actions)

    def actions_named(self, name: str) -> list[dict[str, Any]]:
        return [a for a in self.actions if _get(a, "Action").lower() == name.lower()]

    def wait_for(self, check: Callable[[], Any], timeout: float = 10, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"AMI server: timed out waiting for {what}")
            time.sleep(0.01)

    def wait_for_action(self, name: str, timeout: float = 10) -> dict[str, Any]:
        return self.wait_for(lambda: (self.actions_named(name) or [None])[-1], timeout, f"action {name}")  # type: ignore[no-any-return]

    def listeners(self) -> int:
        """How many logged-in clients receive events now."""
        return sum(1 for s in list(self._sessions) if s.authed and s.events)

    # --- events -------------------------------------------------------------------------

    def play(self, events: Iterable[dict[str, Any]]) -> None:
        """Emit events in order (and change the live channels as Asterisk would)."""
        batch = list(events)

        async def emit_all() -> None:
            for event in batch:
                await self._emit(event)

        self._call(emit_all)

    def set_variable(self, uniqueid: str, name: str, value: str) -> None:
        self._call(lambda: self._set_var(uniqueid, name, value))

    async def _set_var(self, uniqueid: str, name: str, value: str) -> None:
        if uniqueid in self.channels:
            self.channels[uniqueid].variables[name] = value

    def _track(self, event: dict[str, Any]) -> None:
        name = event.get("Event", "")
        uid = event.get("Uniqueid", "")
        at = float(event.get("_at") or time.time())
        if name == "Newchannel" and uid:
            self.channels[uid] = LiveChannel(
                {k: str(event.get(k, "")) for k in CHANNEL_KEYS}, created=at, application="Queue"
            )
        channel = self.channels.get(uid)
        if channel is None:
            return
        for key in ("ChannelState", "ChannelStateDesc", "ConnectedLineNum", "ConnectedLineName"):
            if key in event:
                channel.fields[key] = str(event[key])
        if name == "VarSet":
            channel.variables[str(event.get("Variable"))] = str(event.get("Value", ""))
        elif name == "BridgeEnter":
            channel.bridge = str(event.get("BridgeUniqueid", ""))
        elif name == "Hangup":
            self.channels.pop(uid, None)
        for var, value in (event.get("_vars") or {}).items():
            channel.variables[var] = value

    async def _emit(self, event: dict[str, Any]) -> None:
        self._track(event)
        name = event["Event"]
        pairs = [("Event", name), ("Privilege", PRIVILEGE.get(name, "call,all"))]
        if self.timestamps:
            pairs.append(("Timestamp", f"{float(event.get('_at') or time.time()):.6f}"))
        pairs += [(k, str(v)) for k, v in event.items() if k != "Event" and not k.startswith("_")]
        data = _block(pairs)
        for session in list(self._sessions):
            if session.authed and session.events:
                try:
                    session.writer.write(data)
                    await session.writer.drain()
                except (ConnectionError, RuntimeError):
                    self._sessions.discard(session)

    # --- the protocol ---------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(writer)
        self._sessions.add(session)
        try:
            writer.write(f"Asterisk Call Manager/{BANNER_VERSION}{CRLF}".encode())
            await writer.drain()
            while True:
                data = await reader.readuntil(b"\r\n\r\n")
                fields = _parse(data)
                if not fields:
                    continue
                with self._lock:
                    self._actions.append(fields)
                if self.silent:
                    continue
                if not await self._dispatch(session, fields):
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self._sessions.discard(session)
            writer.close()

    async def _send(self, session: _Session, pairs: list[tuple[str, str]]) -> None:
        session.writer.write(_block(pairs))
        await session.writer.drain()

    async def _dispatch(self, session: _Session, fields: dict[str, Any]) -> bool:
        """Answer one action; False: close the connection."""
        action = _get(fields, "Action")
        action_id = _get(fields, "ActionID")
        head = [("ActionID", action_id)] if action_id else []

        async def answer(response: str, message: str = "", *extra: tuple[str, str]) -> None:
            pairs = [("Response", response), *head]
            if message:
                pairs.append(("Message", message))
            await self._send(session, pairs + list(extra))

        low = action.lower()
        if low == "login":
            if session.authed:
                await answer("Success", "Already authenticated")
                return True
            if _get(fields, "Username") == self.username and _get(fields, "Secret") == self.secret:
                session.authed = True
                session.events = _get(fields, "Events").lower() not in ("off", "no", "false")
                self.logins += 1
                await answer("Success", "Authentication accepted")
                if session.events:
                    await self._send(
                        session,
                        [("Event", "FullyBooted"), ("Privilege", "system,all"), ("Status", "Fully Booted")],
                    )
                return True
            self.failed_logins += 1
            await answer("Error", "Authentication failed")
            return False
        if low == "logoff":
            await answer("Goodbye", "Thanks for all the fish.")
            return False
        if not session.authed:
            await answer("Error", "Permission denied")
            return True
        handler = getattr(self, f"_action_{low}", None)
        if handler is None:
            await answer(
                "Error",
                f"Invalid/unknown command: {action}. Use Action: ListCommands to show available commands.",
            )
            return True
        await handler(session, fields, answer, head)
        return True

    async def _action_ping(self, session: _Session, fields: dict[str, Any], answer: Any, head: Any) -> None:
        await answer("Success", "", ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}"))

    async def _action_coreshowchannels(
        self, session: _Session, fields: dict[str, Any], answer: Any, head: list[tuple[str, str]]
    ) -> None:
        await self._send(
            session,
            [("Response", "Success"), *head, ("EventList", "start"), ("Message", "Channels will follow")],
        )
        now = time.time()
        live = list(self.channels.values())
        for channel in live:
            seconds = max(0, int(now - channel.created))
            duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            await self._send(
                session,
                [
                    ("Event", "CoreShowChannel"),
                    *head,
                    *channel.fields.items(),
                    ("BridgeId", channel.bridge),
                    ("Application", channel.application),
                    ("ApplicationData", ""),
                    ("Duration", duration),
                ],
            )
        await self._send(
            session,
            [
                ("Event", "CoreShowChannelsComplete"),
                *head,
                ("EventList", "Complete"),
                ("ListItems", str(len(live))),
            ],
        )

    def _channel_named(self, name: str) -> LiveChannel | None:
        return next((c for c in self.channels.values() if c.fields.get("Channel") == name), None)

    async def _action_getvar(self, session: _Session, fields: dict[str, Any], answer: Any, head: Any) -> None:
        channel = self._channel_named(_get(fields, "Channel"))
        variable = _get(fields, "Variable")
        if channel is None:
            await answer("Error", "No such channel")
            return
        await answer("Success", "", ("Variable", variable), ("Value", channel.variables.get(variable, "")))

    async def _action_queueadd(
        self, session: _Session, fields: dict[str, Any], answer: Any, head: Any
    ) -> None:
        queue, interface = _get(fields, "Queue"), _get(fields, "Interface")
        if queue not in self.queues:
            await answer("Error", "Unable to add interface to queue: No such queue")
        elif interface in self.queues[queue]:
            await answer("Error", "Unable to add interface: Already there")
        else:
            self.queues[queue][interface] = {
                "MemberName": _get(fields, "MemberName") or interface,
                "Paused": "1" if _get(fields, "Paused").lower() in ("1", "true", "yes") else "0",
            }
            await answer("Success", "Added interface to queue")

    async def _action_queueremove(
        self, session: _Session, fields: dict[str, Any], answer: Any, head: Any
    ) -> None:
        queue, interface = _get(fields, "Queue"), _get(fields, "Interface")
        if queue not in self.queues:
            await answer("Error", "Unable to remove interface from queue: No such queue")
        elif self.queues[queue].pop(interface, None) is None:
            await answer("Error", "Unable to remove interface: Not there")
        else:
            await answer("Success", "Removed interface from queue")

    async def _action_queuepause(
        self, session: _Session, fields: dict[str, Any], answer: Any, head: Any
    ) -> None:
        interface, queue = _get(fields, "Interface"), _get(fields, "Queue")
        paused = _get(fields, "Paused").lower() in ("1", "true", "yes")
        members = [
            m
            for q, ms in self.queues.items()
            if not queue or q == queue
            for i, m in ms.items()
            if i == interface
        ]
        if not members:
            await answer("Error", "Interface not found")
            return
        for member in members:
            member["Paused"] = "1" if paused else "0"
            member["PausedReason"] = _get(fields, "Reason")
        await answer(
            "Success", "Interface paused successfully" if paused else "Interface unpaused successfully"
        )

    async def _action_originate(
        self, session: _Session, fields: dict[str, Any], answer: Any, head: Any
    ) -> None:
        if not _get(fields, "Channel"):
            await answer("Error", "Channel not specified")
        else:
            await answer("Success", "Originate successfully queued")

    async def _action_redirect(
        self, session: _Session, fields: dict[str, Any], answer: Any, head: Any
    ) -> None:
        if self._channel_named(_get(fields, "Channel")) is None:
            await answer("Error", "Channel specified does not exist")
        else:
            await answer("Success", "Redirect successful")

    async def _action_park(self, session: _Session, fields: dict[str, Any], answer: Any, head: Any) -> None:
        """res_parking's manager_park: the channel must exist; TimeoutChannel is only a name."""
        name = _get(fields, "Channel")
        channel = self._channel_named(name) if name else None
        if not name:
            await answer("Error", "Channel not specified")
        elif channel is None:
            await answer("Error", f"Channel does not exist: {name}")
        else:
            channel.application = "Park"
            await answer("Success", "Park successful")

    async def _action_mixmonitor(
        self, session: _Session, fields: dict[str, Any], answer: Any, head: Any
    ) -> None:
        if self._channel_named(_get(fields, "Channel")) is None:
            await answer("Error", "No such channel")
        else:
            await answer("Success")

    async def _action_hangup(self, session: _Session, fields: dict[str, Any], answer: Any, head: Any) -> None:
        channel = self._channel_named(_get(fields, "Channel"))
        if channel is None:
            await answer("Error", "No such channel")
            return
        await answer("Success", "Channel Hungup")
        cause = _get(fields, "Cause") or "16"
        await self._emit(
            {
                **channel.fields,
                "Event": "Hangup",
                "Cause": cause,
                "Cause-txt": CAUSE_TEXT.get(cause, "Unknown"),
            }
        )


CAUSE_TEXT = {"16": "Normal Clearing", "17": "User busy", "19": "No answer", "21": "Call Rejected"}
