"""Issue 16, defect 2: the key shipped in the source signed real tokens.

Without ``HOTLINE_SECRET_KEY`` each installation now makes its own key in ``HOTLINE_HOME``,
and no server command listens beyond loopback with a key anyone can know.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import signing
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from hotline.core.checks import (
    check_secret_key,
    is_loopback_host,
    refuse_insecure_bind,
    secret_key_is_default,
)
from hotline.core.secret_key import EMBEDDED_KEY, installation_key
from hotline.tickets.tokens import RATE_TOKEN_SALT
from tests.factories import register


def _settings_key(home: Path, **env: str) -> str:
    """SECRET_KEY as a fresh process with this HOTLINE_HOME (and no HOTLINE_SECRET_KEY) sees it."""
    environ = {k: v for k, v in os.environ.items() if k != "HOTLINE_SECRET_KEY"}
    environ.update(HOTLINE_HOME=str(home), DJANGO_SETTINGS_MODULE="hotline.settings", **env)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.strip()


def test_without_a_key_each_installation_makes_its_own_once(tmp_path):
    first = _settings_key(tmp_path / "a")
    again = _settings_key(tmp_path / "a")
    other = _settings_key(tmp_path / "b")

    assert first != EMBEDDED_KEY and len(first) >= 50
    assert again == first  # kept: sessions and links survive a restart
    assert other != first
    key_file = tmp_path / "a" / "secret_key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_key_from_the_environment_wins(tmp_path):
    assert _settings_key(tmp_path, HOTLINE_SECRET_KEY="k" * 64) == "k" * 64
    assert not (tmp_path / "secret_key").exists()


def test_processes_starting_together_agree_on_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: installation_key(tmp_path), range(32)))
    assert len(keys) == 1 and EMBEDDED_KEY not in keys
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary files left


def test_an_unusable_home_falls_back_to_the_known_key_with_a_warning(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.warns(RuntimeWarning, match="HOTLINE_SECRET_KEY"):
        assert installation_key(blocker / "home") == EMBEDDED_KEY  # refused beyond loopback


def test_this_test_run_does_not_sign_with_the_shipped_key():
    assert settings.SECRET_KEY != EMBEDDED_KEY and not secret_key_is_default()


def test_a_survey_link_forged_with_the_shipped_key_opens_nothing(org):
    ticket = register(org.users["agent"])
    forged = signing.dumps({"n": ticket.number}, key=EMBEDDED_KEY, salt=RATE_TOKEN_SALT)
    client = Client()

    client.get(f"/public/rate/{ticket.number}/", {"t": forged})
    page = client.get(f"/public/rate/{ticket.number}/")

    assert "code_form" in page.context  # still asks for the query code
    assert page.context.get("progress") is None


@override_settings(SECRET_KEY=EMBEDDED_KEY)
def test_check_deploy_reports_the_known_key_as_an_error():
    messages = check_secret_key()
    assert [(m.id, m.is_serious()) for m in messages] == [("hotline.E001", True)]
    assert "hotline.E001" in [m.id for m in run_checks(include_deployment_checks=True)]


def test_check_deploy_passes_an_own_key():
    assert check_secret_key() == []


@pytest.mark.parametrize("host", ["0.0.0.0", "0", "::", "192.168.1.10", "hotline.example.gov.cn"])
@override_settings(SECRET_KEY=EMBEDDED_KEY)
def test_runserver_refuses_to_listen_beyond_loopback_with_the_known_key(host):
    with (
        mock.patch("django.core.management.commands.runserver.run") as serve,
        pytest.raises(CommandError, match="HOTLINE_SECRET_KEY"),
    ):
        call_command("runserver", f"[{host}]:8765" if ":" in host else f"{host}:8765", use_reloader=False)
    serve.assert_not_called()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
@override_settings(SECRET_KEY=EMBEDDED_KEY)
def test_loopback_is_fine_even_with_the_known_key(host):
    assert is_loopback_host(host)
    refuse_insecure_bind(host)  # no error


def test_runserver_on_any_address_is_fine_with_an_own_key():
    with (
        mock.patch("django.core.management.commands.runserver.run") as serve,
        mock.patch("django.core.management.commands.runserver.Command.check_migrations"),
    ):
        call_command("runserver", "0.0.0.0:8765", use_reloader=False, skip_checks=True)
    serve.assert_called_once()


@override_settings(SECRET_KEY=EMBEDDED_KEY)
def test_the_demo_refuses_before_it_touches_anything(db):
    demo = "hotline.demo.management.commands.demo"
    with (
        mock.patch(f"{demo}.start_server") as serve,
        mock.patch(f"{demo}.start_worker") as worker,
        mock.patch(f"{demo}.call_command") as inner,
        pytest.raises(CommandError, match="HOTLINE_SECRET_KEY"),
    ):
        call_command("demo", "--host", "0.0.0.0")
    serve.assert_not_called()
    worker.assert_not_called()
    inner.assert_not_called()
