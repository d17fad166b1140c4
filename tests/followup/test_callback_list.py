"""The coordinator's call-back list: open visits on tickets the user may see, by due time."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.followup.models import VisitStatus
from hotline.followup.selectors import callback_list
from hotline.followup.services import record_attempt
from tests.helpers import act


def test_open_and_unreachable_visits_by_due_time(handling, users):
    late = act(handling("2026-10-12 09:00"), "reply", users["handler"], "2026-10-14 10:00", result="好")
    early = act(handling("2026-10-12 09:00"), "reply", users["handler"], "2026-10-13 10:00", result="好")
    done = act(handling("2026-10-12 09:00"), "reply", users["handler"], "2026-10-13 10:00", result="好")
    act(done, "return_visit", users["coordinator"], "2026-10-13 11:00", satisfaction="satisfied")
    record_attempt(visit=late.return_visits.get(), user=users["coordinator"], outcome="unreachable")
    with CaptureQueriesContext(connection) as queries:
        rows = [(v.ticket.number, v.status) for v in callback_list(users["coordinator"])]
    assert rows == [(early.number, VisitStatus.OPEN), (late.number, VisitStatus.UNREACHABLE)]
    assert len(queries) <= 4


def test_units_and_handlers_have_no_call_back_list(handling, users):
    act(handling("2026-10-12 09:00"), "reply", users["handler"], "2026-10-13 10:00", result="好")
    assert list(callback_list(users["handler"])) == []
    assert list(callback_list(users["head"])) == []
    assert callback_list(users["leader"]).count() == 1
