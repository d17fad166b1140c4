"""gunicorn's configuration under ``hotline serve`` (``--config python:hotline.ops.gunicorn_conf``).

``serve`` puts the bind address and the numbers of processes and threads on gunicorn's
command line; this module holds what does not change: the worker type, timeouts, the
log format, and the hooks that keep the Prometheus files of the processes in order.
No Django imports: gunicorn's master reads this before any worker sets Django up.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from hotline.ops.logs import gunicorn_logconfig

wsgi_app = "hotline.wsgi:application"
# gthread: each process serves several requests at once in threads (Django is WSGI and
# blocking; a slow client or keep-alive connection does not hold a whole process).
worker_class = "gthread"
proc_name = "hotline"
timeout = int(os.environ.get("HOTLINE_WEB_TIMEOUT", "60"))
graceful_timeout = 30  # SIGTERM: running requests get this long to finish
keepalive = 5  # behind nginx, which keeps connections to the upstream open
# Processes are not recycled after N requests (max_requests): each new process leaves its
# Prometheus files behind, and a scrape reads them all.
max_requests = 0
# No control socket in $HOME (one per user: two servers on one machine would share it).
control_socket_disable = True
# The access log is RequestLogMiddleware's (JSON, with the request id): gunicorn's is off.
accesslog = None
logconfig_dict = gunicorn_logconfig(os.environ.get("HOTLINE_LOG_FORMAT", "json"))


def child_exit(server: Any, worker: Any) -> None:
    """A process ended: its live gauges leave the Prometheus files (counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # untyped in prometheus_client


def on_exit(server: Any) -> None:
    """The server stops: remove the Prometheus files made for this run by ``hotline serve``."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if directory and os.path.basename(directory).startswith("hotline-metrics-"):
        shutil.rmtree(directory, ignore_errors=True)
