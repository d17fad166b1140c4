"""``GET /api/v1/stats/``: on the demo data every count equals a direct count; who may ask;
the drill-down; and the problem codes of a bad request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotline.demo.seed import seed_org
from hotline.demo.tickets import seed_tickets
from hotline.reports.measures import MEASURES
from hotline.tickets.models import Ticket
from hotline.workflow.access import tickets_visible_to
from tests.conftest import PASSWORD
from tests.helpers import SH
from tests.reports.conftest import cells, direct_facts

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats/"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo organisation (its own pack, hotline-12345) and demo tickets, made once."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            org = seed_org(password=PASSWORD)
            seed_tickets(org, count=16, seed=7)
            yield org
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _range() -> dict[str, str]:
    today = timezone.localdate()
    return {"from": (today - timedelta(days=60)).isoformat(), "to": today.isoformat()}


@pytest.mark.parametrize("user", ["coordinator", "head", "admin"])
def test_counts_on_the_demo_data_equal_a_direct_count(demo, api, user):
    who = demo.users[user]
    codes = ["received", "accepted", "dispatched", "signed_in_time", "closed", "closed_in_time", "overdue"]
    codes += [
        "returned",
        "redispatched",
        "supervised",
        "very_satisfied",
        "satisfied",
        "neutral",
        "dissatisfied",
    ]
    span = _range()
    response = api(who).get(URL, {"measure": ",".join(codes), "by": "unit:2,week", **span})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [m["code"] for m in body["measures"]] == codes
    got = {
        (code, tuple(d["key"] for d in row["dimensions"])): v["value"]
        for row in body["rows"]
        for code, v in zip(codes, row["values"], strict=True)
        if v["value"]
    }
    visible = list(tickets_visible_to(who).select_related("unit", "category").order_by("pk"))
    facts = direct_facts(visible, now=timezone.now())
    index = {t.pk: t for t in visible}
    start, end = (timezone.datetime.fromisoformat(span[k]).date() for k in ("from", "to"))

    def key(t: Ticket, day):
        parts = [int(p) for p in t.unit.path.strip("/").split("/")]
        year, week, _ = day.isocalendar()
        return (str(parts[1] if len(parts) > 1 else t.unit_id), f"{year}-W{week:02d}")

    expected = {
        (code, k): len(pks) for code in codes for k, pks in cells(facts[code], key, index, start, end).items()
    }
    assert got == expected
    assert sum(v for (code, _k), v in got.items() if code == "received") == len(
        [t for t in visible if start <= t.received_at.astimezone(SH).date() <= end]
    )


def test_a_cell_drills_down_to_its_tickets(demo, api):
    client = api(demo.users["coordinator"])
    params = {"measure": "closed", "by": "unit:2,week", **_range()}
    rows = client.get(URL, params).json()["rows"]
    assert rows
    for row in rows:
        cell = ",".join(d["key"] for d in row["dimensions"])
        drilled = client.get(URL + "tickets/", {**params, "cell": cell})
        assert drilled.status_code == 200, drilled.json()
        body = drilled.json()
        assert body["count"] == len(body["numbers"]) == row["values"][0]["value"]
        closed = Ticket.objects.filter(number__in=body["numbers"])
        assert all(t.status == "closed" for t in closed)


@pytest.mark.parametrize("role", ["coordinator", "leader", "teamlead", "admin", "head"])
def test_the_centre_and_department_heads_may_see_statistics(org, api, role):
    response = api(org.users[role]).get(URL, {"measure": "received", "by": "month", **_range()})
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["agent", "handler"])
def test_agents_and_handlers_may_not(org, api, role):
    for url in (URL, URL + "tickets/", URL + "measures/"):
        response = api(org.users[role]).get(url, {"measure": "received", **_range()})
        assert response.status_code == 403
        assert response.json()["code"] == "stats_forbidden"


def test_anonymous_gets_401(db, api):
    assert api().get(URL, {"measure": "received", **_range()}).json()["code"] == "not_authenticated"


def test_the_catalogue_defines_every_measure(org, api):
    body = api(org.users["coordinator"]).get(URL + "measures/").json()
    assert [m["code"] for m in body["measures"]] == list(MEASURES)
    assert all(m["definition"] and m["label"] for m in body["measures"])
    assert {d["code"] for d in body["dimensions"]} >= {"month", "unit", "category", "handler", "policy"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"measure": "bogus"}, "stats_unknown_measure"),
        ({"measure": ""}, "stats_measure_required"),
        ({"measure": "received", "by": "colour"}, "stats_unknown_dimension"),
        ({"measure": "received", "by": "unit:0"}, "stats_unknown_dimension"),
        ({"measure": "received", "by": "unit:²"}, "stats_unknown_dimension"),
        ({"measure": "received", "by": "type:1"}, "stats_unknown_dimension"),
        ({"measure": "received", "by": "unit,month,type"}, "stats_too_many_dimensions"),
        ({"measure": "received", "by": "month,week"}, "stats_duplicate_dimension"),
        ({"measure": "received", "by": "unit,unit:2"}, "stats_duplicate_dimension"),
        ({"measure": "received", "from": "2026-05-01", "to": "2026-04-01"}, "invalid_range"),
        ({"measure": "received", "from": "2019-01-01", "to": "2026-04-01"}, "range_too_long"),
        ({"measure": "received", "from": "", "to": "2026-04-01"}, "stats_date_required"),
        ({"measure": "received", "from": "2026-13-01", "to": "2026-04-01"}, "stats_invalid_date"),
        ({"measure": "received", "type": "gripe"}, "stats_invalid_filter"),
        ({"measure": "received", "unit": "NOWHERE"}, "stats_invalid_filter"),
        ({"measure": "received", "region": "a\x00b"}, "stats_invalid_parameter"),
    ],
)
def test_a_bad_request_is_a_problem_with_a_stable_code(org, api, params, code):
    response = api(org.users["coordinator"]).get(URL, {"from": "2026-01-01", "to": "2026-03-31", **params})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"measure": "received,closed", "by": "month", "cell": "2026-01"}, "stats_one_measure"),
        ({"measure": "received", "by": "month,type", "cell": "2026-01"}, "stats_invalid_cell"),
        ({"measure": "received", "by": "month", "cell": "January"}, "stats_invalid_cell"),
        ({"measure": "received", "by": "quarter", "cell": "2026-Q7"}, "stats_invalid_cell"),
        ({"measure": "received", "by": "unit", "cell": "99999999999999"}, "stats_invalid_cell"),
    ],
)
def test_a_bad_drill_down_is_a_problem_with_a_stable_code(org, api, params, code):
    response = api(org.users["coordinator"]).get(
        URL + "tickets/", {"from": "2026-01-01", "to": "2026-03-31", **params}
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
