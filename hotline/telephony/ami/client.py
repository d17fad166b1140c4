"""A small asyncio client for the Asterisk Manager Interface (AMI, TCP port 5038).

Why not ``panoramisk`` (pinned in pyproject): its ``Manager`` reconnects on its own after a
fixed delay (no backoff, no jitter, no hook between login and the first event, where the
listener must take its snapshot of live channels), keeps retrying a refused login every two
seconds without saying so, and decodes each TCP chunk on its own with ``errors="ignore"``,
which drops a Chinese caller name split across two reads. The wire protocol is small, so
this module speaks it directly; the test suite drives panoramisk against the test server as
an independent check that the server talks real AMI.

The protocol: the server greets with one line (``Asterisk Call Manager/7.0.3``); then both
sides send blocks of ``Key: Value`` lines ended by CRLF, a block ended by an empty line. A
client block is an action (``Action``, ``ActionID`` and fields); the server answers with a
``Response`` block carrying the same ``ActionID``, and sends ``Event`` blocks (list actions
such as ``CoreShowChannels`` answer with events carrying the ``ActionID``, the last one
``EventList: Complete``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

logger = logging.getLogger("hotline.telephony.ami")

EOL = b"\r\n"
END = b"\r\n\r\n"
MAX_BLOCK = 1 << 20  # a block larger than 1 MiB is not AMI: the connection is dropped


class AmiError(Exception):
    """An AMI conversation failed."""


class AmiConnectionError(AmiError, ConnectionError):
    """The TCP connection could not be made, or broke, or the server is not AMI."""


class AmiAuthError(AmiError):
    """The server refused the user name or secret (``Authentication failed``)."""


class Message(Mapping[str, str]):
    """One AMI block: keys looked up without regard to case (Asterisk spells ``Uniqueid``
    in events and ``UniqueID`` in some lists); a repeated key keeps its first value.
    ``items()`` gives the keys as sent."""

    __slots__ = ("_fields", "_index")

    def __init__(self, fields: Mapping[str, str] | None = None) -> None:
        self._fields: dict[str, str] = {}
        self._index: dict[str, str] = {}
        for key, value in (fields or {}).items():
            self._add(key, value)

    def _add(self, key: str, value: str) -> None:
        low = key.lower()
        if low in self._index:
            return
        self._index[low] = key
        self._fields[key] = value

    def __getitem__(self, key: str) -> str:
        return self._fields[self._index[key.lower()]]

    def get(self, key: str, default: Any = "") -> Any:  # "" by default, not None
        original = self._index.get(key.lower())
        return self._fields[original] if original is not None else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"Message({self._fields!r})"

    @property
    def event(self) -> str:
        return str(self.get("Event"))

    @property
    def response(self) -> str:
        return str(self.get("Response"))

    @property
    def action_id(self) -> str:
        return str(self.get("ActionID"))

    def as_dict(self) -> dict[str, str]:
        return dict(self._fields)


def parse_block(data: bytes) -> Message:
    """``Key: Value`` lines (CRLF, a lone LF tolerated) into a Message; lines without a
    colon (a ``Response: Follows`` body) are kept under ``Output``."""
    message = Message()
    output: list[str] = []
    for line in data.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        key, sep, value = line.partition(":")
        if sep and key and " " not in key.strip():
            message._add(key.strip(), value.strip())
        else:
            output.append(line)
    if output and "Output" not in message:
        message._add("Output", "\n".join(output))
    return message


def format_block(fields: Mapping[str, str | list[str] | tuple[str, ...]]) -> bytes:
    """An action block; a list value is sent as the same key repeated (``Variable``).
    CR and LF inside a value would end the line: they become spaces."""
    lines = []
    for key, value in fields.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            text = str(item).replace("\r", " ").replace("\n", " ")
            lines.append(f"{key}: {text}".encode())
    return EOL.join(lines) + END


_ids = itertools.count(1)


def next_action_id() -> str:
    return f"hotline-{os.getpid()}-{next(_ids)}"


class AmiClient:
    """One AMI connection: ``await connect()`` (banner and Login), ``await send(...)`` for a
    response, ``async for message in events()`` for everything else in arrival order.

    Events arrive in one ordered stream, including those of a list action (they carry its
    ActionID), so a caller can tell which events came before and after a snapshot."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        events: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.username, self.secret = username, secret
        self.want_events = events
        self.timeout = timeout
        self.version = ""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[str, asyncio.Future[Message]] = {}
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self._read_task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    # --- the connection ---------------------------------------------------------------

    async def connect(self) -> None:
        """Open the connection, read the banner and log in; AmiAuthError on a refused
        login, AmiConnectionError on anything else."""
        try:
            reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, limit=MAX_BLOCK), self.timeout
            )
            self._reader = reader
            banner = await asyncio.wait_for(reader.readline(), self.timeout)
        except (OSError, TimeoutError) as exc:
            await self.close()
            raise AmiConnectionError(f"{self.host}:{self.port}: {exc or type(exc).__name__}") from exc
        text = banner.decode("utf-8", errors="replace").strip()
        if not text.startswith("Asterisk Call Manager/"):
            await self.close()
            raise AmiConnectionError(f"{self.host}:{self.port} 不是 AMI 服务(问候语 {text[:60]!r})")
        self.version = text.partition("/")[2]
        self._read_task = asyncio.create_task(self._read_loop(), name="ami-read")
        answer = await self.send(
            "Login", Username=self.username, Secret=self.secret, Events="on" if self.want_events else "off"
        )
        if answer.response != "Success":
            await self.close()
            raise AmiAuthError(str(answer.get("Message")) or "Authentication failed")

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                block = await self._reader.readuntil(END)
                message = parse_block(block)
                if not message:
                    continue
                waiter = self._pending.pop(message.action_id, None) if "Response" in message else None
                if waiter is not None:
                    if not waiter.done():
                        waiter.set_result(message)
                else:
                    self._queue.put_nowait(message)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError) as exc:
            logger.debug("AMI read ended: %r", exc)
        finally:
            self._finish()

    def _finish(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(AmiConnectionError("连接已断开"))
        self._pending.clear()
        self._queue.put_nowait(None)
        if self._writer is not None:
            self._writer.close()

    async def close(self) -> None:
        """Drop the connection (no Logoff: see ``logoff``)."""
        if self._writer is not None:
            self._writer.close()
            try:
                await asyncio.wait_for(self._writer.wait_closed(), 2)
            except (OSError, TimeoutError):
                pass
        if self._read_task is not None and self._read_task is not asyncio.current_task():
            self._read_task.cancel()
            try:
                await self._read_task
            except (asyncio.CancelledError, Exception):
                pass
        self._finish()

    async def logoff(self) -> None:
        """Say goodbye (``Response: Goodbye``) and close; a broken connection is just closed."""
        try:
            if not self.closed.is_set():
                await self.send("Logoff")
        except AmiError:
            pass
        finally:
            await self.close()

    # --- actions and events -----------------------------------------------------------

    async def send(self, action: str, **fields: str | list[str] | tuple[str, ...]) -> Message:
        """Send one action and wait for its Response (``Success``, ``Error``, ``Goodbye``):
        returned as it came; AmiConnectionError when the connection breaks or no answer
        comes within the timeout."""
        if self._writer is None or self.closed.is_set():
            raise AmiConnectionError("未连接")
        action_id = str(fields.pop("ActionID", "") or next_action_id())
        waiter: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = waiter
        block = format_block({"Action": action, "ActionID": action_id, **fields})
        try:
            self._writer.write(block)
            await self._writer.drain()
            return await asyncio.wait_for(asyncio.shield(waiter), self.timeout)
        except (OSError, TimeoutError) as exc:
            self._pending.pop(action_id, None)
            raise AmiConnectionError(f"{action}: {exc or '无应答'}") from exc

    async def events(self) -> AsyncIterator[Message]:
        """Everything that is not the answer to a ``send``, in arrival order; ends (after
        the messages already read) when the connection closes."""
        while True:
            message = await self._queue.get()
            if message is None:
                self._queue.put_nowait(None)  # the end, for any later reader too
                return
            yield message

    def pending_events(self) -> int:
        return self._queue.qsize()
