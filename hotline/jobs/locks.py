"""A short lock for periodic jobs, so a job does not run twice at once on several machines.

Periodic jobs must be idempotent anyway (a second scheduler by mistake, a retry); the lock
only saves the duplicate work. It lives in Huey's storage with an expiry, so a worker
killed while holding it blocks nobody for long: Redis expires the key itself (SET NX EX); the embedded
SQLite storage has no TTL, so the value holds the expiry and a stale lock is taken over
(one consumer runs there, so the take-over cannot race).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from huey import RedisHuey

from hotline.jobs.queue import huey


def _acquire(key: str, ttl_seconds: int) -> bool:
    if isinstance(huey, RedisHuey):
        # a plain key with SET NX EX (huey's own TTL needs hash-field TTL, Redis 7.4+)
        return bool(huey.storage.conn.set(key, "1", nx=True, ex=ttl_seconds))
    expires = time.time() + ttl_seconds
    if huey.put_if_empty(key, expires):
        return True
    held_until = huey.get(key, peek=True)
    if held_until is not None and float(held_until) > time.time():
        return False
    huey.delete(key)
    return bool(huey.put_if_empty(key, expires))


@contextmanager
def single_run(name: str, *, ttl_seconds: int = 300) -> Iterator[bool]:
    """``with single_run("followup-sweep") as mine: if mine: ...`` — False while another holds it."""
    key = f"{huey.name}.lock.hotline:{name}"
    if not _acquire(key, ttl_seconds):
        yield False
        return
    try:
        yield True
    finally:
        if isinstance(huey, RedisHuey):
            huey.storage.conn.delete(key)
        else:
            huey.delete(key)
