"""``hotline worker``: finds the apps' tasks, runs them, stops gracefully on SIGTERM."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from huey import RedisHuey, SqliteHuey

from hotline.jobs import locks
from hotline.jobs.discovery import autodiscover_tasks
from hotline.jobs.locks import single_run
from tests.jobs.workers import Worker, flush_queue, redis_url, wait_until, worker_env


def test_autodiscovery_imports_every_apps_tasks_module():
    modules = autodiscover_tasks()
    assert "hotline.notify.tasks" in modules
    from hotline.jobs.queue import huey

    assert "hotline.notify.tasks.deliver_messages" in huey._registry._registry


def test_single_run_lets_one_holder_in_at_a_time():
    with single_run("test-lock", ttl_seconds=5) as first:
        with single_run("test-lock", ttl_seconds=5) as second:
            assert (first, second) == (True, False)
    with single_run("test-lock", ttl_seconds=5) as again:
        assert again is True


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_starts_with_scheduler_and_stops_gracefully_on_sigterm(tmp_path):
    env = worker_env(redis=connection.vendor == "postgresql")
    worker = Worker(env, "--workers", "1", log=tmp_path / "w.log")
    try:
        wait_until(lambda: "worker:" in worker.output(), timeout=60, what="banner")
        banner = worker.output()
        assert "scheduler on" in banner and "hotline.notify.tasks" in banner
        assert worker.terminate() == 0
        assert "shutting down gracefully" in worker.output().lower() or "shutdown" in worker.output().lower()
    finally:
        worker.terminate()
        flush_queue(env)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_scheduler_can_be_switched_off_by_environment(tmp_path):
    env = worker_env(redis=connection.vendor == "postgresql", extra={"HOTLINE_WORKER_SCHEDULER": "0"})
    worker = Worker(env, log=tmp_path / "w.log")
    try:
        wait_until(lambda: "worker:" in worker.output(), timeout=60, what="banner")
        assert "scheduler off" in worker.output()
    finally:
        worker.terminate()
        flush_queue(env)


def test_worker_refuses_immediate_mode(settings):
    from django.core.management import CommandError, call_command

    from hotline.jobs.queue import huey

    huey.immediate = True
    try:
        with pytest.raises(CommandError):
            call_command("worker")
    finally:
        huey.immediate = False


@pytest.fixture(params=["sqlite", "redis"])
def lock_queue(request, tmp_path):
    """A private queue for the lock: the embedded SQLite storage, or a real Redis."""
    name = f"test-lock-{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        yield SqliteHuey(name, filename=str(tmp_path / "locks.sqlite3"))
        return
    queue = RedisHuey(name, url=redis_url())
    yield queue
    for key in queue.storage.conn.scan_iter(f"{name}.*"):
        queue.storage.conn.delete(key)


def test_an_expired_holder_cannot_release_the_next_holders_lock(lock_queue):
    import time

    key = f"{lock_queue.name}.lock.hotline:job"
    first = locks._acquire(key, 1, queue=lock_queue)
    assert first is not None
    time.sleep(1.1)  # the first holder is slow: its lock expires
    second = locks._acquire(key, 30, queue=lock_queue)
    assert second is not None and second != first
    assert locks._release(key, first, queue=lock_queue) is False  # not its lock any more
    assert locks._acquire(key, 30, queue=lock_queue) is None  # the second still holds it
    with single_run("job", queue=lock_queue) as third:
        assert third is False
    assert locks._release(key, second, queue=lock_queue) is True
    with single_run("job", queue=lock_queue) as fourth:
        assert fourth is True


def test_single_run_releases_its_own_lock_on_both_storages(lock_queue):
    with single_run("job", ttl_seconds=30, queue=lock_queue) as first:
        with single_run("job", ttl_seconds=30, queue=lock_queue) as second:
            assert (first, second) == (True, False)
    with single_run("job", ttl_seconds=30, queue=lock_queue) as again:
        assert again is True


def test_a_lock_left_by_a_killed_holder_expires():
    import time

    from hotline.jobs import locks

    assert locks._acquire(f"{locks.huey.name}.lock.hotline:stale", 1)  # holder killed: never released
    time.sleep(1.1)
    with single_run("stale", ttl_seconds=5) as mine:
        assert mine is True
