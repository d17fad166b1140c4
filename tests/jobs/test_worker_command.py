"""``hotline worker``: finds the apps' tasks, runs them, stops gracefully on SIGTERM."""

from __future__ import annotations

import pytest
from django.db import connection

from hotline.jobs.discovery import autodiscover_tasks
from hotline.jobs.locks import single_run
from tests.jobs.workers import Worker, flush_queue, wait_until, worker_env


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
        wait_until(lambda: "worker:" in worker.output(), timeout=20, what="banner")
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
        wait_until(lambda: "worker:" in worker.output(), timeout=20, what="banner")
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


def test_a_lock_left_by_a_killed_holder_expires():
    import time

    from hotline.jobs import locks

    assert locks._acquire(f"{locks.huey.name}.lock.hotline:stale", 1)  # holder killed: never released
    time.sleep(1.1)
    with single_run("stale", ttl_seconds=5) as mine:
        assert mine is True
