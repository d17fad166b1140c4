"""What ``hotline serve`` decides before it hands over to gunicorn."""

from __future__ import annotations

import os
import socket
import sys
import tempfile

# More processes than this mostly adds memory and database connections; scale out with
# more machines behind nginx instead (docs/guide/deploy.md).
MAX_DEFAULT_WORKERS = 8


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(n_cores: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped at ``MAX_DEFAULT_WORKERS``."""
    n = cores() if n_cores is None else n_cores
    return max(1, min(2 * n + 1, MAX_DEFAULT_WORKERS))


def bind_address(host: str, port: int) -> str:
    host = host.strip("[]")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:hotline.ops.gunicorn_conf",
        "--bind",
        bind_address(host, port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]


def gunicorn_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: a fresh directory for the processes' Prometheus files
    (removed again when gunicorn exits, see ``gunicorn_conf.on_exit``)."""
    env = dict(os.environ if base is None else base)
    env.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hotline-metrics-")
    env["PYTHONUNBUFFERED"] = "1"
    return env
