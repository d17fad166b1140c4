"""The AMI client and the protocol test server, talking real AMI over TCP."""

from __future__ import annotations

import asyncio
import socket

import pytest

from hotline.telephony.ami.client import AmiAuthError, AmiClient, AmiConnectionError
from tests.servers import free_port
from tests.servers.ami import AmiServer
from tests.servers.ami_calls import QueueCall
from tests.telephony.conftest import AMI_SECRET, AMI_USER


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_the_client_logs_in_pings_and_logs_off(ami_server: AmiServer) -> None:
    async def talk() -> tuple[str, str, str]:
        client = AmiClient(ami_server.host, ami_server.port, AMI_USER, AMI_SECRET, timeout=3)
        await client.connect()
        pong = await client.send("Ping")
        await client.logoff()
        return client.version, pong.response, str(pong.get("Ping"))

    assert _run(talk()) == ("7.0.3", "Success", "Pong")
    login, ping, logoff = ami_server.actions
    assert (login["Action"], login["Username"], login["Secret"], login["Events"]) == (
        "Login",
        AMI_USER,
        AMI_SECRET,
        "on",
    )
    assert ping["Action"] == "Ping" and logoff["Action"] == "Logoff"
    assert login["ActionID"] != ping["ActionID"]


def test_a_wrong_secret_is_refused_and_the_server_hangs_up(ami_server: AmiServer) -> None:
    async def talk() -> None:
        client = AmiClient(ami_server.host, ami_server.port, AMI_USER, "wrong", timeout=3)
        with pytest.raises(AmiAuthError, match="Authentication failed"):
            await client.connect()
        assert client.closed.is_set()

    _run(talk())
    assert ami_server.failed_logins == 1 and ami_server.logins == 0


def test_the_server_speaks_the_wire_protocol_to_a_raw_socket(ami_server: AmiServer) -> None:
    """Byte for byte: banner, an action before login refused, login, the ActionID echoed."""
    with socket.create_connection((ami_server.host, ami_server.port), timeout=3) as sock:
        stream = sock.makefile("rb")
        assert stream.readline() == b"Asterisk Call Manager/7.0.3\r\n"
        sock.sendall(b"Action: Ping\r\nActionID: 1\r\n\r\n")
        assert _block(stream) == [b"Response: Error", b"ActionID: 1", b"Message: Permission denied"]
        sock.sendall(
            f"action: login\r\nusername: {AMI_USER}\r\nsecret: {AMI_SECRET}\r\nActionID: 2\r\n\r\n".encode()
        )
        assert _block(stream) == [b"Response: Success", b"ActionID: 2", b"Message: Authentication accepted"]
        assert _block(stream)[0] == b"Event: FullyBooted"
        sock.sendall(b"Action: Frobnicate\r\nActionID: 3\r\n\r\n")
        assert _block(stream)[:2] == [b"Response: Error", b"ActionID: 3"]
        sock.sendall(b"Action: Logoff\r\nActionID: 4\r\n\r\n")
        assert _block(stream) == [b"Response: Goodbye", b"ActionID: 4", b"Message: Thanks for all the fish."]
        assert stream.read() == b""  # closed


def _block(stream: object) -> list[bytes]:
    lines = []
    while True:
        line = stream.readline()  # type: ignore[attr-defined]
        assert line, "connection closed mid-block"
        if line == b"\r\n":
            return lines
        lines.append(line.rstrip(b"\r\n"))


def test_panoramisk_talks_to_the_test_server(ami_server: AmiServer) -> None:
    """An independent AMI client (panoramisk 1.4) logs in and pings the test server."""
    from panoramisk import Manager

    async def talk() -> tuple[bool, str]:
        manager = Manager(
            loop=asyncio.get_running_loop(),
            host=ami_server.host,
            port=ami_server.port,
            username=AMI_USER,
            secret=AMI_SECRET,
            ping_delay=60,
        )
        await manager.connect()
        for _ in range(300):
            if manager.authenticated:
                break
            await asyncio.sleep(0.01)
        pong = await manager.send_action({"Action": "Ping"})
        manager.close()
        return manager.authenticated, pong.ping

    assert _run(talk()) == (True, "Pong")


def test_a_closed_port_or_a_non_ami_server_is_a_connection_error() -> None:
    async def closed() -> None:
        with pytest.raises(AmiConnectionError):
            await AmiClient("127.0.0.1", free_port(), "u", "s", timeout=2).connect()

    async def not_ami() -> None:
        async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(greet, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(AmiConnectionError, match="不是 AMI"):
                await AmiClient("127.0.0.1", port, "u", "s", timeout=2).connect()
        finally:
            server.close()

    _run(closed())
    _run(not_ami())


def test_core_show_channels_lists_the_live_channels_with_the_action_id(ami_server: AmiServer) -> None:
    call = QueueCall(linkedid="1714546800.31")
    ami_server.play(call.arrive(0) + call.ring("1001", "A001", 3) + call.connect(8))

    async def talk() -> list[dict[str, str]]:
        client = AmiClient(ami_server.host, ami_server.port, AMI_USER, AMI_SECRET, timeout=3)
        await client.connect()
        answer = await client.send("CoreShowChannels", ActionID="snap-1")
        assert (answer.response, answer.get("EventList")) == ("Success", "start")
        listed: list[dict[str, str]] = []
        async for message in client.events():
            if message.action_id == "snap-1":
                listed.append(message.as_dict())
                if message.event == "CoreShowChannelsComplete":
                    break
        await client.logoff()
        return listed

    *channels, complete = _run(talk())  # type: ignore[misc]
    assert (complete["EventList"], complete["ListItems"]) == ("Complete", "2")
    assert {c["Channel"] for c in channels} == {call.channel, "PJSIP/1001-00000020"}  # .32 in hex
    assert {c["Linkedid"] for c in channels} == {call.linkedid}
    assert all(c["Event"] == "CoreShowChannel" and c["BridgeId"] for c in channels)
