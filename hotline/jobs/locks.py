"""A short lock for periodic jobs, so a job does not run twice at once on several machines.

Periodic jobs must be idempotent anyway (a second scheduler by mistake, a retry); the lock
only saves the duplicate work. It lives in Huey's storage with an expiry, so a worker
killed while holding it blocks nobody for long: Redis expires the key itself (SET NX EX);
the embedded SQLite storage has no TTL, so the value holds the expiry and a stale lock is
taken over (read and write in one exclusive transaction). Each holder stores a random
token and releases the lock only while it still holds that token (compare-and-delete):
a holder whose lock expired and was taken by another cannot release the other's.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from huey import Huey, RedisHuey
from huey.storage import SqliteStorage

from hotline.jobs.queue import huey

# Delete the key only if it still holds our token, in one step on the server.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _sqlite(queue: Huey) -> SqliteStorage:
    storage = queue.storage
    assert isinstance(storage, SqliteStorage), "locks need Redis or SQLite storage"
    return storage


def _acquire(key: str, ttl_seconds: int, *, queue: Huey | None = None) -> str | None:
    """Take the lock: the holder's token, or None while someone else holds it."""
    queue = queue or huey
    token = uuid.uuid4().hex
    if isinstance(queue, RedisHuey):
        # a plain key with SET NX EX (huey's own TTL needs hash-field TTL, Redis 7.4+)
        return token if queue.storage.conn.set(key, token, nx=True, ex=ttl_seconds) else None
    storage = _sqlite(queue)
    now = time.time()
    # one exclusive transaction: read, and write only if free or stale (its holder was killed)
    with storage.db(commit=True) as cursor:
        cursor.execute("select value from kv where queue = ? and key = ?", (storage.name, key))
        row = cursor.fetchone()
        if row is not None and _expires(bytes(row[0])) > now:
            return None
        cursor.execute(
            "insert or replace into kv (queue, key, value) values (?, ?, ?)",
            (storage.name, key, f"{now + ttl_seconds}|{token}".encode()),
        )
    return token


def _release(key: str, token: str, *, queue: Huey | None = None) -> bool:
    """Release the lock if it is still ours; False when it expired and someone else has it."""
    queue = queue or huey
    if isinstance(queue, RedisHuey):
        return bool(queue.storage.conn.eval(_RELEASE, 1, key, token))
    storage = _sqlite(queue)
    with storage.db(commit=True) as cursor:
        cursor.execute("select value from kv where queue = ? and key = ?", (storage.name, key))
        row = cursor.fetchone()
        if row is None or bytes(row[0]).decode(errors="replace").rpartition("|")[2] != token:
            return False
        cursor.execute("delete from kv where queue = ? and key = ?", (storage.name, key))
    return True


def _expires(value: bytes) -> float:
    try:
        return float(value.decode().partition("|")[0])
    except ValueError:  # not ours (an older format): treat as stale
        return 0.0


@contextmanager
def single_run(name: str, *, ttl_seconds: int = 300, queue: Huey | None = None) -> Iterator[bool]:
    """``with single_run("followup-sweep") as mine: if mine: ...`` — False while another holds it."""
    queue = queue or huey
    key = f"{queue.name}.lock.hotline:{name}"
    token = _acquire(key, ttl_seconds, queue=queue)
    if token is None:
        yield False
        return
    try:
        yield True
    finally:
        _release(key, token, queue=queue)
