from __future__ import annotations


def test_units_and_categories(users, api):
    client = api(users["agent"])
    units = client.get("/api/v1/units/").json()
    assert {"JZ", "JZ-C", "JZ-DH-SJ"} <= {u["code"] for u in units}
    assert next(u for u in units if u["code"] == "JZ-DH-SJ")["parent"] == "JZ-DH"
    cats = client.get("/api/v1/categories/").json()
    assert {"code": "service.attitude", "name": "服务态度", "parent": "service"} in cats


def test_calendar_days_marks_holidays_and_makeup_days(users, api):
    days = (
        api(users["agent"]).get("/api/v1/calendar/days/", {"from": "2026-09-24", "to": "2026-10-10"}).json()
    )
    by_date = {d["date"]: d for d in days}
    assert by_date["2026-09-25"]["is_working"] is False  # 中秋节
    assert by_date["2026-10-01"]["is_working"] is False  # 国庆节
    assert by_date["2026-10-10"]["is_working"] is True  # Saturday, 国庆调休上班
    assert not any(d["provisional"] for d in days)


def test_calendar_days_bad_input_is_400(users, api):
    client = api(users["agent"])
    assert client.get("/api/v1/calendar/days/", {"from": "2026-13-01", "to": "2026-10-10"}).status_code == 400
    assert client.get("/api/v1/calendar/days/", {"from": "2020-01-01", "to": "2026-10-10"}).status_code == 400


def test_deadline_follows_the_counting_rule(users, api):
    client = api(users["agent"])
    # dispatched the day before National Day: 2 working days → Oct 8 and Oct 9, close of hours
    body = client.post(
        "/api/v1/calendar/deadline/",
        {"start": "2026-09-30T10:00:00+08:00", "amount": 2, "unit": "working_days"},
        format="json",
    ).json()
    assert body == {"due_at": "2026-10-09T17:30:00+08:00", "provisional": False}
    # crossing into 2027, which has no official schedule yet → provisional
    body = client.post(
        "/api/v1/calendar/deadline/",
        {"start": "2026-12-30T10:00:00+08:00", "amount": 5, "unit": "working_days"},
        format="json",
    ).json()
    assert body["provisional"] is True


def test_deadline_bad_input_is_400(users, api):
    client = api(users["agent"])
    r = client.post(
        "/api/v1/calendar/deadline/",
        {"start": "9999-12-31T00:00:00Z", "amount": 5, "unit": "working_days"},
        format="json",
    )
    assert r.status_code == 400
    r = client.post(
        "/api/v1/calendar/deadline/",
        {"start": "2026-01-01T00:00:00Z", "amount": 5, "unit": "weeks"},
        format="json",
    )
    assert r.status_code == 400
