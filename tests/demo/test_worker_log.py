"""``hotline demo`` starts its worker with the output going to a file under HOTLINE_HOME,
not to the demo's console."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from hotline.demo.management.commands.demo import start_worker, worker_log_path
from tests.jobs.workers import flush_queue, wait_until, worker_env


def test_the_log_lives_under_hotline_home():
    assert worker_log_path() == settings.HOTLINE_HOME / "var" / "worker.log"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_workers_output_goes_to_the_file(tmp_path, capfd):
    log = tmp_path / "var" / "worker.log"
    log.parent.mkdir()
    log.write_text("an earlier run\n")
    env = worker_env(redis=connection.vendor == "postgresql")
    worker = start_worker(log, env=env)
    try:
        wait_until(lambda: "worker: queue" in log.read_text(), timeout=60, what="the banner in the log")
    finally:
        worker.terminate()
        worker.wait(30)
        flush_queue(env)
    text = log.read_text()
    assert text.startswith("an earlier run\n")  # appended, not overwritten
    assert " huey.consumer " in text  # the consumer's own log lines too
    out, err = capfd.readouterr()
    assert "worker: queue" not in out + err
