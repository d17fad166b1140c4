from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hotline.calendar import services as calendar_services
from hotline.tickets.models import Ticket
from tests.factories import register
from tests.helpers import act, local


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    calendar_services.reset_calendar_cache()
    yield
    calendar_services.reset_calendar_cache()


@pytest.fixture
def handling(users: dict[str, Any]) -> Any:
    """``handling(dispatched_at)`` → an enterprise complaint assigned to ``handler`` at JZ-DH-SJ."""

    def make(dispatched_at: str, *, severity: str = "normal") -> Ticket:
        day = dispatched_at[:10]
        ticket = register(users["agent"], policy="enterprise", severity=severity, now=local(f"{day} 08:00"))
        ticket = act(ticket, "accept", users["coordinator"], f"{day} 08:05")
        ticket = act(ticket, "dispatch", users["coordinator"], dispatched_at, unit="JZ-DH-SJ")
        ticket = act(ticket, "sign", users["head"], dispatched_at)
        return act(ticket, "assign", users["head"], dispatched_at, handler="handler")

    return make
