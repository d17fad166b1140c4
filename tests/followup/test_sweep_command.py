"""``hotline sweep``: one sweep now, from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.followup.helpers import kinds


def test_command_sends_what_is_due(handling):
    ticket = handling("2026-09-30 10:00")
    out = StringIO()
    call_command("sweep", now="2026-10-09T17:30+08:00", stdout=out)
    assert "升级 1 次" in out.getvalue()
    assert kinds(ticket) == ["overdue"]


def test_command_refuses_a_bad_time(db):
    with pytest.raises(CommandError, match="--now"):
        call_command("sweep", now="next tuesday")
