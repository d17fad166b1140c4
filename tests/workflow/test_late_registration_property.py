"""A matter registered late counts from when it was received, in every pack (issue: rules as written).

For every pack, type and channel: a ticket registered days after it was received (a letter
opened late, a call logged after the shift) gets exactly the deadlines of one registered at
the moment of receipt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.policies.registry import all_packs
from hotline.policies.vocab import CHANNELS, TICKET_TYPES
from tests.factories import register
from tests.helpers import local

PACKS = sorted(p.code for p in all_packs())
START = local("2026-01-05 00:00")  # official calendar data covers 2026


@pytest.mark.parametrize("ticket_type", TICKET_TYPES)
@pytest.mark.parametrize("pack", PACKS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    channel=st.sampled_from(CHANNELS),
    received_minute=st.integers(min_value=0, max_value=300 * 24 * 60),
    delay_minutes=st.integers(min_value=0, max_value=20 * 24 * 60),
)
def test_late_registration_gets_the_deadlines_of_registration_at_receipt(
    users: dict, pack: str, ticket_type: str, channel: str, received_minute: int, delay_minutes: int
) -> None:
    received: datetime = START + timedelta(minutes=received_minute)
    late = received + timedelta(minutes=delay_minutes)
    common = {"policy": pack, "type": ticket_type, "channel": channel, "received_at": received}

    on_time = register(users["agent"], now=received, **common)
    registered_late = register(users["agent"], now=late, **common)

    assert registered_late.stage == on_time.stage
    assert registered_late.due_at == on_time.due_at
    assert registered_late.final_due_at == on_time.final_due_at
    assert registered_late.stage_clock == on_time.stage_clock
