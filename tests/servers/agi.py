"""Asterisk's side of FastAGI, for tests: connects to the server under test as ``AGI()``
with an ``agi://`` URL does, and answers its commands as ``res_agi`` would.

Asterisk is not packaged for this machine, so this client stands in for it at the wire
level (Asterisk 18/20 ``res_agi.c``, ``launch_netscript`` and ``setup_env``):

- on connect it sends ``agi_network: yes``, ``agi_network_script: <path>``, then
  ``agi_request``, ``agi_channel``, ``agi_language``, ``agi_type``, ``agi_uniqueid``,
  ``agi_version``, ``agi_callerid`` … ``agi_threadid`` and ``agi_arg_1`` …, one
  ``name: value`` line each, ended by an empty line; lines end with ``\\n``;
- it reads one command per line and splits it as ``parse_args`` does (spaces; double
  quotes group; ``\\`` escapes), and answers ``200 result=…``: ``SET VARIABLE`` → 1,
  ``GET DATA`` → the keys (``… (timeout)`` when fewer than asked and no ``#``; ``result=-1``
  when the caller hangs up), ``STREAM FILE`` → ``0 endpos=…``, ``RECORD FILE`` →
  ``35 (dtmf) endpos=…`` (``#`` pressed) or ``-1 (hangup) endpos=…``, ``HANGUP`` → 1; a wrong
  argument count → the multi-line ``520-`` usage; an unknown command → ``510``;
- when the caller hangs up it writes the bare ``HANGUP`` notice after the reply it was
  in, and answers later commands that need a live channel ``511 Command Not Permitted on
  a dead channel or intercept routine`` (``SET VARIABLE``, ``GET VARIABLE``, ``VERBOSE``,
  ``NOOP``, ``EXEC`` still work, as on a dead channel);
- the conversation ends when the server closes the connection.

``keys`` scripts the caller: one entry per ``GET DATA`` (``"1"``, ``"2026021400001#"``,
``""`` for no key, ``HANGUP`` to hang up there). Tests read ``commands``, ``variables``,
``played`` and ``recorded``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

HANGUP = "<hangup>"
DEAD_OK = frozenset({"SET VARIABLE", "GET VARIABLE", "GET FULL VARIABLE", "VERBOSE", "NOOP", "EXEC"})
DEAD = "511 Command Not Permitted on a dead channel or intercept routine"
# command → the argument counts res_agi accepts
ARGC = {
    "ANSWER": (2, 2),
    "HANGUP": (1, 2),
    "SET VARIABLE": (4, 4),
    "GET VARIABLE": (3, 3),
    "GET DATA": (3, 5),
    "STREAM FILE": (4, 5),
    "SAY DIGITS": (4, 4),
    "RECORD FILE": (6, 9),
    "VERBOSE": (2, 3),
    "NOOP": (1, 99),
    "EXEC": (2, 99),
}
SAMPLES_PER_SECOND = 8000


def parse_args(line: str) -> list[str]:
    """Asterisk's ``parse_args``: whitespace separates, quotes group, ``\\`` escapes."""
    argv: list[str] = []
    current: list[str] = []
    started = quoted = escaped = False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = started = True
        elif ch == '"':
            quoted, started = not quoted, True
        elif ch in " \t" and not quoted:
            if started:
                argv.append("".join(current))
                current, started = [], False
        else:
            current.append(ch)
            started = True
    if started:
        argv.append("".join(current))
    return argv


class AgiCall:
    def __init__(
        self,
        script: str,
        *,
        args: Iterable[str] = (),
        uniqueid: str = "1771034400.101",
        callerid: str = "13812345678",
        extension: str = "12345",
        channel: str = "PJSIP/trunk-00000001",
        context: str = "hotline-numbers",
        keys: Iterable[str] = (),
        record_seconds: int = 8,
        hangup_in_record: bool = False,
        raw: bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.script = script
        self.args = list(args)
        self.uniqueid, self.callerid, self.extension = uniqueid, callerid, extension
        self.channel, self.context = channel, context
        self.keys = list(keys)
        self.record_seconds = record_seconds
        self.hangup_in_record = hangup_in_record
        self.raw = raw
        self.extra_env = dict(env or {})
        self.commands: list[str] = []
        self.variables: dict[str, str] = {}
        self.played: list[str] = []
        self.recorded: list[str] = []
        self.dead = False

    def env_block(self, host: str, port: int) -> bytes:
        pairs = [
            ("agi_network", "yes"),
            ("agi_network_script", self.script),
            ("agi_request", f"agi://{host}:{port}/{self.script}"),
            ("agi_channel", self.channel),
            ("agi_language", "zh"),
            ("agi_type", self.channel.split("/", 1)[0]),
            ("agi_uniqueid", self.uniqueid),
            ("agi_version", "20.5.0"),
            ("agi_callerid", self.callerid),
            ("agi_calleridname", "unknown"),
            ("agi_callingpres", "0"),
            ("agi_callingani2", "0"),
            ("agi_callington", "0"),
            ("agi_callingtns", "0"),
            ("agi_dnid", self.extension),
            ("agi_rdnis", "unknown"),
            ("agi_context", self.context),
            ("agi_extension", self.extension),
            ("agi_priority", "5"),
            ("agi_enhanced", "0.0"),
            ("agi_accountcode", ""),
            ("agi_threadid", "140234567890"),
            *((f"agi_arg_{i}", a) for i, a in enumerate(self.args, 1)),
        ]
        pairs = [(k, self.extra_env.pop(k, v)) for k, v in pairs] + list(self.extra_env.items())
        return "".join(f"{k}: {v}\n" for k, v in pairs).encode() + b"\n"

    async def run(self, host: str, port: int, timeout: float = 15) -> AgiCall:
        await asyncio.wait_for(self._run(host, port), timeout)
        return self

    async def _run(self, host: str, port: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(self.raw if self.raw is not None else self.env_block(host, port))
            await writer.drain()
            while True:
                line = await reader.readline()
                if not line:
                    return  # the script ended: Asterisk goes on with the dialplan
                command = line.decode().rstrip("\n")
                self.commands.append(command)
                writer.write("".join(f"{reply}\n" for reply in self._answer(command)).encode())
                await writer.drain()
        finally:
            writer.close()

    # --- what Asterisk answers --------------------------------------------------------

    def _hang_up(self) -> list[str]:
        self.dead = True
        return ["HANGUP"]

    def _answer(self, command: str) -> list[str]:
        argv = parse_args(command)
        words = [a.upper() for a in argv[:2]]
        name = " ".join(words) if " ".join(words) in ARGC else (words[0] if words else "")
        if name not in ARGC:
            return ["510 Invalid or unknown command"]
        low, high = ARGC[name]
        if not low <= len(argv) <= high:
            return [
                "520-Invalid command syntax.  Proper usage follows:",
                f" Usage: {name} ...",
                "520 End of proper usage.",
            ]
        if self.dead and name not in DEAD_OK:
            return [DEAD]
        if name == "SET VARIABLE":
            self.variables[argv[2]] = argv[3]
            return ["200 result=1"]
        if name == "GET VARIABLE":
            value = self.variables.get(argv[2])
            return ["200 result=0"] if value is None else [f"200 result=1 ({value})"]
        if name == "GET DATA":
            return self._get_data(argv)
        if name == "STREAM FILE":
            self.played.append(argv[2])
            return ["200 result=0 endpos=16000"]
        if name == "RECORD FILE":
            self.recorded.append(f"{argv[2]}.{argv[3]}")
            endpos = self.record_seconds * SAMPLES_PER_SECOND
            if self.hangup_in_record:
                return [f"200 result=-1 (hangup) endpos={endpos}", *self._hang_up()]
            return [f"200 result=35 (dtmf) endpos={endpos}"]
        if name == "HANGUP":
            return ["200 result=1", *self._hang_up()]
        if name in ("ANSWER", "SAY DIGITS", "NOOP", "EXEC"):
            return ["200 result=0"]
        return ["200 result=1"]

    def _get_data(self, argv: list[str]) -> list[str]:
        self.played.append(argv[2])
        most = int(argv[4]) if len(argv) > 4 else 1024
        typed = self.keys.pop(0) if self.keys else ""
        if typed == HANGUP:
            return ["200 result=-1", *self._hang_up()]
        if typed.endswith("#"):
            return [f"200 result={typed[:-1][:most]}"]
        if len(typed) >= most:
            return [f"200 result={typed[:most]}"]
        return [f"200 result={typed} (timeout)"]
