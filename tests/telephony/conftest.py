"""Fixtures for the AMI tests: the protocol test server, AMI settings pointing at it,
Huey run immediately, and ``drive`` to run the listener against the server.

``drive(listener, scenario)`` runs the listener's asyncio loop under ``async_to_sync`` in
the test's own thread: the listener's ORM work (``sync_to_async(thread_sensitive=True)``)
then runs in this thread, inside the test's transaction, on SQLite and PostgreSQL alike.
The scenario waits on conditions with a deadline (``until``), never on fixed sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from hotline.telephony.ami.listener import Config, Listener
from tests.servers.ami import AmiServer

AMI_USER = "hotline"
AMI_SECRET = "ami-secret-测试"


@pytest.fixture
def ami_server() -> Iterator[AmiServer]:
    server = AmiServer(AMI_USER, AMI_SECRET, queues=("hotline", "consult")).start()
    yield server
    server.stop()


@pytest.fixture
def ami_settings(settings: Any, ami_server: AmiServer) -> AmiServer:
    """HOTLINE_AMI_* pointing at the test server."""
    settings.HOTLINE_AMI_HOST = ami_server.host
    settings.HOTLINE_AMI_PORT = ami_server.port
    settings.HOTLINE_AMI_USER = AMI_USER
    settings.HOTLINE_AMI_SECRET = AMI_SECRET
    return ami_server


@pytest.fixture
def huey_immediate() -> Iterator[None]:
    """Tasks run when enqueued (in memory), as the worker would run them."""
    from hotline.jobs.queue import huey

    huey.immediate = True
    try:
        yield
    finally:
        huey.immediate = False


def listener_for(server: AmiServer, **overrides: Any) -> Listener:
    """A listener with a short backoff (50 ms doubling to 200 ms) for tests."""
    values: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "username": AMI_USER,
        "secret": AMI_SECRET,
        "backoff_initial": 0.05,
        "backoff_max": 0.2,
        "ping_interval": 5.0,
        "timeout": 3.0,
    }
    values.update(overrides)
    return Listener(Config(**values))


async def until(check: Callable[[], Any], timeout: float = 15, what: str = "condition") -> Any:
    """Wait until ``check()`` (run in the test's thread, so it may use the ORM) is true."""
    probe = sync_to_async(check, thread_sensitive=True)
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a blocking server method (play, drop, …) without blocking the listener's loop."""
    return await asyncio.to_thread(fn, *args)


def drive(listener: Listener, scenario: Callable[[], Awaitable[None]], timeout: float = 60) -> None:
    """Run the listener while ``scenario`` runs; then shut it down (Logoff) and wait for it."""

    async def main() -> None:
        task = asyncio.create_task(listener.run())
        try:
            await asyncio.wait_for(scenario(), timeout)
        finally:
            await listener.shutdown()
            await asyncio.wait_for(task, 10)

    async_to_sync(main)()
