"""The AGI wire protocol, server side (Asterisk 18/20 ``res_agi``, FastAGI over TCP).

Asterisk connects and sends its environment, one ``agi_<name>: <value>`` line each
(``agi_network: yes``, ``agi_network_script: <path after host:port/>``, ``agi_request``,
``agi_channel``, ``agi_uniqueid``, ``agi_callerid``, ``agi_dnid``, ``agi_context``,
``agi_extension``, …, ``agi_arg_1`` … for the arguments after the URL), ended by an empty
line. Then the script sends one command per line and reads one reply per command:

- ``200 result=<n>[ (<data>)][ endpos=<n>]`` — done (``result=-1``: the channel hung up
  during the command, or it failed);
- ``510 Invalid or unknown command``; ``520 …`` (syntax; the multi-line form
  ``520-…`` ends with a ``520 End of proper usage.`` line);
- ``511 Command Not Permitted on a dead channel or intercept routine`` — the caller is gone.

When the caller hangs up, Asterisk also writes a bare ``HANGUP`` line (unless the dialplan
set ``AGISIGHUP=no``), between replies. Lines end with ``\\n``. Arguments are split on
spaces; a double-quoted argument may hold spaces, ``\\`` escapes the next character.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

MAX_ENV_LINES = 200
MAX_LINE = 4096
_REPLY = re.compile(r"^(?P<code>\d{3})(?:[ -](?P<rest>.*))?$")
_RESULT = re.compile(r"result=(?P<result>\S*)(?:\s+\((?P<data>[^)]*)\))?")
_ENDPOS = re.compile(r"endpos=(?P<endpos>-?\d+)")


class AgiError(Exception):
    """The conversation cannot go on (malformed data, a timeout, a closed connection)."""


class Hangup(AgiError):
    """The caller hung up: the channel is dead (``HANGUP``, ``511``, EOF)."""


@dataclass(frozen=True)
class Reply:
    code: int
    result: str = ""
    data: str = ""  # the text in parentheses: "timeout", "dtmf", "hangup", a value
    endpos: int = 0
    line: str = ""

    @property
    def number(self) -> int:
        try:
            return int(self.result)
        except ValueError:
            return 0


def parse_reply(line: str) -> Reply:
    match = _REPLY.match(line.strip())
    if match is None:
        raise AgiError(f"not an AGI reply: {line[:80]!r}")
    rest = match.group("rest") or ""
    result = _RESULT.search(rest)
    endpos = _ENDPOS.search(rest)
    return Reply(
        code=int(match.group("code")),
        result=result.group("result") if result else "",
        data=(result.group("data") or "") if result else "",
        endpos=int(endpos.group("endpos")) if endpos else 0,
        line=line.strip(),
    )


def quote(value: object) -> str:
    """One command argument as Asterisk's parser reads it back: in double quotes, ``\\``
    and ``"`` escaped, line breaks (which would end the command) dropped."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_env(lines: list[str]) -> dict[str, str]:
    """``agi_name: value`` lines → ``{"name": value}``; anything else is malformed."""
    env: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key.startswith("agi_") or len(key) > 64:
            raise AgiError(f"malformed environment line: {line[:80]!r}")
        env[key[4:]] = value.strip()
    return env


@dataclass
class Session:
    """One FastAGI connection: the environment, then command → reply."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reply_timeout: float = 300.0
    env: dict[str, str] = field(default_factory=dict)
    hung_up: bool = False
    sent: list[str] = field(default_factory=list)

    async def _line(self, timeout: float) -> str:
        try:
            raw = await asyncio.wait_for(self.reader.readline(), timeout)
        except TimeoutError as exc:
            raise AgiError("no answer from the PBX") from exc
        except (ConnectionError, asyncio.LimitOverrunError, ValueError) as exc:
            raise AgiError(f"connection broken: {exc}") from exc
        if not raw:
            raise Hangup("connection closed")
        if len(raw) > MAX_LINE:
            raise AgiError("line too long")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    async def read_env(self, timeout: float) -> dict[str, str]:
        lines: list[str] = []
        while True:
            line = await self._line(timeout)
            if not line.strip():
                break
            lines.append(line)
            if len(lines) > MAX_ENV_LINES:
                raise AgiError("environment too long")
        if not lines:
            raise AgiError("empty environment")
        self.env = parse_env(lines)
        return self.env

    def arg(self, n: int) -> str:
        return self.env.get(f"arg_{n}", "").strip()

    async def command(self, text: str, timeout: float | None = None) -> Reply:
        """Send one command, return its reply; ``Hangup`` once the channel is dead."""
        if "\n" in text or "\r" in text:
            raise ValueError("an AGI command is one line")
        self.sent.append(text)
        try:
            self.writer.write(text.encode() + b"\n")
            await self.writer.drain()
        except ConnectionError as exc:
            raise Hangup(f"connection broken: {exc}") from exc
        wait = timeout or self.reply_timeout
        while True:
            line = await self._line(wait)
            if line.strip() == "HANGUP":  # the notice, not the reply: keep reading
                self.hung_up = True
                continue
            reply = parse_reply(line)
            if line.startswith("520-"):  # the usage text follows, up to "520 End ..."
                while not (await self._line(wait)).startswith("520 "):
                    pass
            break
        if reply.code == 511:
            self.hung_up = True
            raise Hangup(reply.line)
        return reply

    # --- the commands the scripts use -------------------------------------------------

    async def set_variable(self, name: str, value: object) -> None:
        await self.command(f"SET VARIABLE {name} {quote(value)}")

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        """Play ``prompt`` and collect up to ``max_digits`` keys (``#`` ends early);
        "" when nothing was pressed."""
        reply = await self.command(
            f"GET DATA {prompt} {timeout_ms} {max_digits}", timeout=self.reply_timeout + timeout_ms / 1000
        )
        if reply.code != 200:
            raise AgiError(reply.line)
        if reply.result == "-1":
            self.hung_up = True
            raise Hangup(reply.line)
        return reply.result

    async def stream_file(self, prompt: str) -> Reply:
        return await self.command(f'STREAM FILE {prompt} ""')

    async def say_digits(self, digits: str) -> Reply:
        return await self.command(f'SAY DIGITS {"".join(c for c in digits if c.isdigit())} ""')

    async def record_file(self, path: str, *, max_seconds: int, silence: int) -> Reply:
        """Record to ``path`` (+ ``.wav``) after a beep until ``#``, silence, the time limit
        or a hang-up (the file is kept in every case)."""
        return await self.command(
            f"RECORD FILE {path} wav # {max_seconds * 1000} 0 BEEP s={silence}",
            timeout=self.reply_timeout + max_seconds,
        )

    async def hangup(self) -> None:
        await self.command("HANGUP")
        self.hung_up = True
