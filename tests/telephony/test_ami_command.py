"""``hotline ami``: the command's checks (the loop itself: test_ami_listener)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.servers.ami import AmiServer


def test_check_logs_in_and_reports(ami_settings: AmiServer) -> None:
    out = StringIO()
    call_command("ami", "--check", stdout=out)
    text = out.getvalue()
    assert "已连接" in text and "Asterisk Call Manager/7.0.3" in text and "登录成功" in text
    assert "CoreShowChannels 可用" in text
    assert [a["Action"] for a in ami_settings.actions] == ["Login", "Ping", "CoreShowChannels", "Logoff"]


def test_without_a_host_the_command_refuses(settings: Any) -> None:
    settings.HOTLINE_AMI_HOST = ""
    with pytest.raises(CommandError, match="未配置交换机"):
        call_command("ami")


def test_check_with_a_wrong_secret_says_so(settings: Any, ami_settings: AmiServer) -> None:
    settings.HOTLINE_AMI_SECRET = "wrong"
    with pytest.raises(CommandError, match="登录被拒绝"):
        call_command("ami", "--check")


def test_check_with_nobody_listening_says_so(settings: Any, ami_settings: AmiServer) -> None:
    ami_settings.refuse()
    with pytest.raises(CommandError, match="无法连接"):
        call_command("ami", "--check")
