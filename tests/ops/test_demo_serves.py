"""``hotline demo`` serves through ``hotline serve`` (gunicorn), not Django's development
server, and takes it down when it stops."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.ops.servers import Server, collected_static, free_port

pytestmark = pytest.mark.server


def test_the_demo_serves_with_gunicorn_and_stops_it_on_sigterm(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "HOTLINE_TEST_DB")}
    env.update(
        HOTLINE_HOME=str(tmp_path / "home"), HOTLINE_STATIC_ROOT=str(collected_static()), PYTHONUNBUFFERED="1"
    )
    env.pop("HOTLINE_MEDIA_ROOT", None)
    args = ["demo", "--tickets", "0", "--no-worker", "--no-collectstatic", "--port", str(port)]
    demo = Server(args, env, tmp_path / "demo.log", port)
    try:
        demo.wait_ready(timeout=240)
        page = httpx.get(f"{demo.base}/login/")
        assert page.status_code == 200
        assert page.headers["server"].startswith("gunicorn")
        assert "hotline serve:" in demo.output()
    finally:
        code = demo.stop()
    assert code == 0, demo.output()[-3000:]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{demo.base}/healthz", timeout=2)
