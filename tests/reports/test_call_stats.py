"""话务报表 (``reports.calls``, ``/reports/calls/``, ``/api/v1/stats/calls/``, the
``call_stats`` export) over a known call log: every dimension's rows against a count over
the calls written here in plain Python, the total against ``telephony.stats.figures``, the
service level and answer rate by hand, local-time truncation on both databases, bad input,
who may see it, and the Excel and CSV files."""

from __future__ import annotations

import csv
import io
import random
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from statistics import mean
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.reports.calls import CALL_DIMENSIONS, CallQuery, call_report, calls_in
from hotline.telephony.models import Agent, Call, HotlineNumber, SkillGroup
from hotline.telephony.stats import Figures, figures
from tests.factories import UserFactory
from tests.helpers import SH, local

pytestmark = pytest.mark.django_db

JAN_TO_MAR = CallQuery(date(2026, 1, 1), date(2026, 3, 31))
AREAS = ["广东省深圳市", "广东省广州市", "北京市", "内蒙古自治区呼和浩特市", "江苏省常州市", "中国", ""]
# instants on either side of local midnight (UTC is eight hours behind): the local date,
# hour and month differ from UTC's
EDGES = [
    "2026-01-31 23:50",  # UTC 15:50 the same day
    "2026-02-01 00:10",  # UTC 2026-01-31 16:10
    "2026-02-01 07:59",  # UTC 23:59 the day before
    "2026-02-28 23:59",
    "2026-03-01 00:30",  # UTC 2026-02-28 16:30
    "2026-03-31 23:30",  # UTC 15:30
    "2026-04-01 00:05",  # outside Jan–Mar locally; UTC 2026-03-31 16:05 is inside it
    "2025-12-31 23:55",  # outside; UTC 15:55
]


# --- the call log -------------------------------------------------------------------------


@pytest.fixture
def people(users: dict[str, Any]) -> dict[str, Any]:
    second = UserFactory(username="callagent2", first_name="钱多多")
    unnamed = UserFactory(username="nostaff", first_name="")  # takes calls, no staff number
    Agent.objects.create(user=users["agent"], staff_no="1001")
    Agent.objects.create(user=second, staff_no="1002")
    SkillGroup.objects.create(code="general", name="综合咨询", queue="q-general")
    HotlineNumber.objects.create(number="12345", name="市民热线")
    return {"a1": users["agent"], "a2": second, "a3": unnamed}


def make_call(n: int, at: datetime, rng: random.Random, agents: list[Any]) -> Call:
    """One call of a random kind; every field a dimension or a measure reads varies."""
    kind = rng.choices(
        ["answered", "talking", "abandoned", "missed", "ringing", "blocked", "out_ok", "out_failed"],
        [50, 4, 10, 8, 3, 3, 8, 4],
    )[0]
    inbound = not kind.startswith("out")
    fields: dict[str, Any] = {
        "call_id": f"c{n}",
        "direction": "in" if inbound else "out",
        "started_at": at,
        "caller": f"+86138{n:08d}",
        "from_raw": f"138{n:08d}" if inbound else "1001",
        "to_raw": rng.choice(["12345", "12345", "4008001234", ""]) if inbound else f"139{n:08d}",
        "area": rng.choice(AREAS),
        "queue": rng.choice(["q-general", "q-tax", ""]) if inbound else "",
        "agent": rng.choice(agents),
        "flow": rng.choice(["working", "after_hours", ""]) if inbound else "",
    }
    wait = rng.randrange(0, 60)
    if kind in ("answered", "out_ok"):
        fields.update(
            status="ended",
            outcome="answered",
            answered_at=at + timedelta(seconds=wait),
            wait_seconds=wait,
            talk_seconds=rng.randrange(5, 900),
            wrapup_seconds=rng.choice([None, rng.randrange(0, 120)]),
        )
        if inbound and rng.random() < 0.6:
            fields.update(survey_score=rng.randrange(1, 5), survey_at=at + timedelta(minutes=20))
    elif kind == "talking":
        fields.update(status="answered", answered_at=at + timedelta(seconds=wait), wait_seconds=wait)
    elif kind in ("abandoned", "missed"):
        fields.update(status="ended", outcome=kind, wait_seconds=wait)
        if kind == "abandoned":
            fields["agent"] = None
    elif kind == "ringing":
        fields.update(status="ringing", agent=None)
    elif kind == "blocked":
        fields.update(status="ended", outcome="blocked", agent=None, queue="", flow="")
    else:
        fields.update(status="ended", outcome="failed")
    return Call(**fields)


@pytest.fixture
def log(people: dict[str, Any]) -> list[Call]:
    """About 400 calls over 2026-01 … 2026-03 local time, plus the edge instants."""
    rng = random.Random(13)
    agents = [people["a1"], people["a2"], people["a3"], None]
    instants = [local(text) for text in EDGES]
    start = local("2026-01-01 00:00")
    instants += [start + timedelta(minutes=rng.randrange(0, 90 * 24 * 60)) for _ in range(400)]
    calls = [make_call(n, at, rng, agents) for n, at in enumerate(instants)]
    Call.objects.bulk_create(calls)
    return list(Call.objects.all())


# --- the measures, counted here ------------------------------------------------------------


def counted(calls: list[Call]) -> dict[str, Any]:
    """The measures of ``telephony.stats``'s docstring over ``calls``, in plain Python."""
    inbound = [c for c in calls if c.direction == "in" and c.outcome != "blocked"]
    answered = [c for c in inbound if c.answered_at is not None]
    ended = [c for c in answered if c.status == "ended"]

    def avg(values: list[int]) -> float | None:
        return round(mean(values), 1) if values else None

    out: dict[str, Any] = {
        "offered": len(inbound),
        "answered": len(answered),
        "abandoned": sum(c.outcome == "abandoned" for c in inbound),
        "missed": sum(c.outcome == "missed" for c in inbound),
        "waiting": sum(c.status == "ringing" for c in inbound),
        "within_service": sum(c.wait_seconds is not None and c.wait_seconds <= 15 for c in answered),
        "blocked": sum(c.outcome == "blocked" for c in calls),
        "outbound": sum(c.direction == "out" for c in calls),
        "outbound_connected": sum(c.direction == "out" and c.answered_at is not None for c in calls),
        "wait_avg": avg([c.wait_seconds for c in answered if c.wait_seconds is not None]),
        "talk_avg": avg([c.talk_seconds for c in ended if c.talk_seconds is not None]),
        "handle_avg": avg(
            [
                c.talk_seconds + c.wrapup_seconds
                for c in ended
                if c.talk_seconds is not None and c.wrapup_seconds is not None
            ]
        ),
        "talk_total": sum(c.talk_seconds or 0 for c in ended),
        "surveyed": sum(c.survey_score is not None for c in calls),
    }
    for level in range(1, 5):
        out[f"survey_{level}"] = sum(c.survey_score == level for c in calls)
    lost = out["abandoned"] + out["missed"]
    rated = out["answered"] + lost
    out["lost"] = lost
    out["answer_rate"] = round(out["answered"] / rated, 4) if rated else None
    out["service_level"] = round(out["within_service"] / rated, 4) if rated else None
    good = out["survey_1"] + out["survey_2"]
    out["satisfied_rate"] = round(good / out["surveyed"], 4) if out["surveyed"] else None
    return out


def _province(area: str) -> str:
    found = re.match(r"^.*?(省|自治区|特别行政区)", area)
    return found.group(0) if found else area


KEYS: dict[str, Callable[[Call], str]] = {
    "hour": lambda c: f"{c.started_at.astimezone(SH).hour:02d}",
    "day": lambda c: c.started_at.astimezone(SH).date().isoformat(),
    "month": lambda c: c.started_at.astimezone(SH).strftime("%Y-%m"),
    "province": lambda c: _province(c.area),
    "area": lambda c: c.area,
    "agent": lambda c: str(c.agent_id) if c.agent_id else "",
    "queue": lambda c: c.queue,
    "number": lambda c: "outbound" if c.direction == "out" else c.to_raw,
    "satisfaction": lambda c: str(c.survey_score) if c.survey_score else "",
    "flow": lambda c: c.flow,
}


def in_period(calls: list[Call], query: CallQuery) -> list[Call]:
    return [c for c in calls if query.date_from <= c.started_at.astimezone(SH).date() <= query.date_to]


def test_the_keys_cover_every_dimension() -> None:
    assert set(KEYS) == set(CALL_DIMENSIONS)


@pytest.mark.parametrize("by", list(CALL_DIMENSIONS))
def test_each_dimension_equals_a_count_over_the_log(log: list[Call], by: str) -> None:
    calls = in_period(log, JAN_TO_MAR)
    groups: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        groups[KEYS[by](call)].append(call)

    report = call_report(CallQuery(JAN_TO_MAR.date_from, JAN_TO_MAR.date_to, by))

    shown = {row.key: row.figures.as_dict() for row in report.rows}
    assert len(shown) == len(report.rows)  # one row per key
    assert set(groups) <= set(shown)
    for key, values in shown.items():
        assert values == counted(groups.get(key, [])), (by, key)
    if by == "hour":
        assert list(shown) == [f"{h:02d}" for h in range(24)]
    if by == "day":
        assert len(shown) == 90 and list(shown) == sorted(shown)
    if by == "month":
        assert list(shown) == ["2026-01", "2026-02", "2026-03"]
    # the total is the measures over the whole period, and the rows add up to it
    assert report.total == figures(calls_in(JAN_TO_MAR))
    assert report.total.as_dict() == counted(calls)
    for name in (
        "offered",
        "answered",
        "abandoned",
        "missed",
        "blocked",
        "outbound",
        "talk_total",
        "surveyed",
    ):
        assert sum(getattr(row.figures, name) for row in report.rows) == getattr(report.total, name)


def test_labels_name_agents_queues_numbers_areas_and_levels(log: list[Call], people: dict[str, Any]) -> None:
    def labels(by: str) -> dict[str, str]:
        report = call_report(CallQuery(JAN_TO_MAR.date_from, JAN_TO_MAR.date_to, by))
        return {row.key: row.label for row in report.rows}

    agents = labels("agent")
    assert agents[str(people["a1"].pk)] == "1001 王晓敏"
    assert agents[str(people["a2"].pk)] == "1002 钱多多"
    assert agents[str(people["a3"].pk)] == "nostaff"
    assert agents[""] == "未分配座席"
    assert list(agents)[-1] == ""  # agents by staff number, the calls of nobody last
    assert labels("queue")["q-general"] == "综合咨询(q-general)"
    numbers = labels("number")
    assert numbers["12345"] == "12345 市民热线" and numbers["4008001234"] == "4008001234"
    assert numbers["outbound"] == "呼出(不分号码)"
    # an outbound call's number dialled is the other party's: never a row
    assert not [key for key in numbers if key.startswith("139")]
    assert set(labels("province")) == {"广东省", "北京市", "内蒙古自治区", "江苏省", "中国", ""}
    assert labels("province")[""] == "未知"
    assert labels("satisfaction") == {"1": "非常满意", "2": "满意", "3": "一般", "4": "不满意", "": "未评价"}
    assert list(labels("flow").values()) == ["上班流程", "下班流程", "未经语音导航"]
    assert labels("hour")["08"] == "08:00–09:00" and labels("month")["2026-02"] == "2026年2月"


def test_local_time_decides_the_hour_day_month_and_period(people: dict[str, Any]) -> None:
    """SQLite truncates in Python, PostgreSQL with AT TIME ZONE: both in Asia/Shanghai."""
    rng = random.Random(1)
    for n, text in enumerate(["2026-03-01 00:30", "2026-02-01 07:59", "2026-01-31 23:50"]):
        call = make_call(n, local(text), rng, [None])
        call.direction, call.outcome, call.status, call.survey_score = "in", "missed", "ended", None
        call.save()

    def keys(start: str, end: str, by: str) -> dict[str, int]:
        query = CallQuery(date.fromisoformat(start), date.fromisoformat(end), by)
        return {row.key: row.figures.offered for row in call_report(query).rows if row.figures.offered}

    assert keys("2026-01-01", "2026-03-31", "month") == {"2026-01": 1, "2026-02": 1, "2026-03": 1}
    assert keys("2026-01-01", "2026-03-31", "hour") == {"00": 1, "07": 1, "23": 1}
    assert keys("2026-02-01", "2026-02-28", "day") == {"2026-02-01": 1}  # not 03-01 (UTC 02-28)
    assert keys("2026-03-01", "2026-03-01", "day") == {"2026-03-01": 1}
    assert call_report(CallQuery(date(2026, 2, 1), date(2026, 2, 28))).total.offered == 1


def test_service_level_and_answer_rate_by_hand(people: dict[str, Any]) -> None:
    """09:00–10:00: 5 answered (3 within 15 s), 2 abandoned, 1 missed, 1 still ringing, 1
    blocked → answer rate 5/8, service level 3/8; 10:00–11:00: 2 answered, nothing lost."""
    at = local("2026-02-10 09:00")
    rows = [(5, "answered"), (10, "answered"), (15, "answered"), (16, "answered"), (40, "answered")]
    rows += [(20, "abandoned"), (30, "abandoned"), (25, "missed"), (None, "ringing"), (None, "blocked")]
    for n, (wait, what) in enumerate(rows):
        fields: dict[str, Any] = {
            "call_id": f"h{n}",
            "started_at": at + timedelta(minutes=n),
            "wait_seconds": wait,
        }
        if what == "answered":
            fields.update(
                status="ended", outcome="answered", answered_at=at, talk_seconds=60, wrapup_seconds=30
            )
        elif what == "ringing":
            fields.update(status="ringing")
        else:
            fields.update(status="ended", outcome=what)
        Call.objects.create(**fields)
    for n in range(2):
        Call.objects.create(
            call_id=f"k{n}", started_at=at + timedelta(hours=1), status="ended", outcome="answered",
            answered_at=at + timedelta(hours=1), wait_seconds=3, talk_seconds=100,
        )  # fmt: skip

    report = call_report(CallQuery(date(2026, 2, 10), date(2026, 2, 10), "hour"))
    nine, ten = (next(r.figures for r in report.rows if r.key == h) for h in ("09", "10"))
    assert (nine.offered, nine.answered, nine.lost, nine.waiting, nine.blocked) == (9, 5, 3, 1, 1)
    assert nine.answer_rate == 0.625 and nine.service_level == 0.375
    assert nine.wait_avg == 17.2 and nine.handle_avg == 90.0 and nine.talk_total == 300
    assert ten.answer_rate == 1.0 and ten.service_level == 1.0
    assert report.total.answer_rate == round(7 / 10, 4) and report.total.service_level == 0.5


# --- the page, the API, the exports --------------------------------------------------------

SPAN = {"from": "2026-01-01", "to": "2026-03-31"}


def test_the_page_shows_rates_as_percent_seconds_as_minutes_and_marks_the_target(
    client: Any, users: dict[str, Any], log: list[Call]
) -> None:
    client.force_login(users["teamlead"])
    response = client.get("/reports/calls/", {**SPAN, "by": "agent"})
    assert response.status_code == 200
    html = response.content.decode()
    total = call_report(CallQuery(JAN_TO_MAR.date_from, JAN_TO_MAR.date_to, "agent")).total
    assert total.answer_rate is not None and total.answer_rate < 0.95  # the log misses the target
    footer = html[html.index('id="call-total"') :]
    assert f'data-column="answer_rate" data-value="{total.answer_rate}" data-target-missed="true"' in footer
    assert f"{total.answer_rate * 100:.1f}%" in footer
    talk = round(total.talk_avg or 0)
    assert f">{talk // 60}:{talk % 60:02d}<" in footer
    assert "未达 95%" in html and "通话总时长" in html
    # no caller's number, and no number an agent dialled out, anywhere on the page
    assert not [c.pk for c in log if c.caller[3:] in html or (c.direction == "out" and c.to_raw in html)]


def test_the_report_centre_links_to_it_for_those_who_may_see_it(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["coordinator"])
    assert 'id="report-calls-link"' in client.get("/reports/").content.decode()
    client.force_login(users["head"])  # a department head sees the report centre, not the calls
    assert 'id="report-calls-link"' not in client.get("/reports/").content.decode()


WHO = [
    ("agent", 404),
    ("head", 404),
    ("handler", 404),
    ("teamlead", 200),
    ("coordinator", 200),
    ("leader", 200),
]


@pytest.mark.parametrize(("who", "status"), WHO)
def test_who_may_see_it(client: Any, api: Any, users: dict[str, Any], who: str, status: int) -> None:
    client.force_login(users[who])
    assert client.get("/reports/calls/").status_code == status
    answer = api(users[who]).get("/api/v1/stats/calls/", {**SPAN, "by": "hour"})
    assert answer.status_code == status
    if status == 404:
        assert answer["Content-Type"] == "application/problem+json" and answer.json()["code"] == "not_found"
        exported = client.post("/exports/new/call_stats/", {**SPAN, "format": "xlsx"})
        assert exported.status_code == 404


def test_anonymous_is_sent_to_log_in(client: Any) -> None:
    assert client.get("/reports/calls/").status_code == 302


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({**SPAN, "by": "weekday"}, "stats_unknown_dimension"),
        ({**SPAN, "by": "hour,day"}, "stats_too_many_dimensions"),
        ({"from": "2026-13-01", "to": "2026-03-31"}, "stats_invalid_date"),
        ({"from": "2026-03-31", "to": "2026-01-01"}, "invalid_range"),
        ({"to": "2026-03-31"}, "stats_date_required"),
        ({"from": "2020-01-01", "to": "2026-03-31"}, "range_too_long"),
    ],
)
def test_bad_input_is_a_problem_with_a_code(
    api: Any, users: dict[str, Any], params: dict[str, str], code: str
) -> None:
    answer = api(users["teamlead"]).get("/api/v1/stats/calls/", params)
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json" and answer.json()["code"] == code


def test_a_bad_dimension_on_the_page_is_a_chinese_message(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["teamlead"])
    response = client.get("/reports/calls/", {**SPAN, "by": "weekday"})
    assert response.status_code == 400
    assert 'data-code="stats_unknown_dimension"' in response.content.decode()
    assert "未知的话务统计维度" in response.content.decode()


def test_the_api_answers_the_rows_and_the_total(api: Any, users: dict[str, Any], log: list[Call]) -> None:
    answer = api(users["coordinator"]).get("/api/v1/stats/calls/", {**SPAN, "by": "month"})
    assert answer.status_code == 200
    body = answer.json()
    report = call_report(CallQuery(JAN_TO_MAR.date_from, JAN_TO_MAR.date_to, "month"))
    assert body["by"] == "month" and body["range"] == SPAN
    assert body["service_seconds"] == 15 and body["answer_rate_target"] == 0.95
    assert [(r["key"], r["figures"]) for r in body["rows"]] == [
        (r.key, r.figures.as_dict()) for r in report.rows
    ]
    assert body["total"] == report.total.as_dict()


def _expected_table(by: str) -> tuple[list[str], list[list[Any]]]:
    from hotline.reports.calls import columns

    report = call_report(CallQuery(JAN_TO_MAR.date_from, JAN_TO_MAR.date_to, by))
    cols = columns(by)

    def values(f: Figures) -> list[Any]:
        out = []
        for c in cols:
            v = getattr(f, c.code)
            out.append(round(v * 100, 2) if c.kind == "rate" and v is not None else v)
        return out

    rows = [[r.label, *values(r.figures)] for r in report.rows] + [["合计", *values(report.total)]]
    return [c.code for c in cols], rows


def test_the_excel_export_holds_the_same_numbers(client: Any, users: dict[str, Any], log: list[Call]) -> None:
    client.force_login(users["teamlead"])
    response = client.post("/exports/new/call_stats/", {**SPAN, "by": "agent", "format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = list(book.active.iter_rows(values_only=True))
    codes, expected = _expected_table("agent")
    assert sheet[0][0] == "座席" and "接通率(%)" in sheet[0] and "通话总时长(秒)" in sheet[0]
    assert len(sheet[0]) == len(codes) + 1
    assert [list(row) for row in sheet[1:]] == expected
    assert sheet[-1][0] == "合计"


def test_the_csv_export_holds_the_same_table(client: Any, users: dict[str, Any], log: list[Call]) -> None:
    client.force_login(users["coordinator"])
    response = client.post("/exports/new/call_stats/", {**SPAN, "by": "area", "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    _codes, expected = _expected_table("area")
    assert lines[1:] == [["" if v is None else str(v) for v in row] for row in expected]
    assert not re.search(r"1[3-9]\d{9}", text)  # no phone number in an aggregate


def test_the_report_reads_in_one_grouped_query(log: list[Call]) -> None:
    """The total, the grouped rows, and for agents/queues/numbers one query for the names."""
    for by, count in (("hour", 2), ("day", 2), ("area", 2), ("agent", 3), ("number", 3)):
        with CaptureQueriesContext(connection) as queries:
            call_report(CallQuery(JAN_TO_MAR.date_from, JAN_TO_MAR.date_to, by))
        assert len(queries) == count, by
