"""Who sees which cards, in the selectors and through the API."""

from __future__ import annotations

import pytest

from hotline.assessment.periods import parse_period
from hotline.assessment.selectors import handler_card, handler_ranking, unit_card, unit_ranking
from hotline.core.errors import Forbidden, InvalidInput, NotFound
from tests.assessment.conftest import NOW

pytestmark = pytest.mark.django_db
NOVEMBER = parse_period({"period": "2026-11"})


def codes(ranking):
    return [c.code for c in ranking.cards]


def test_centre_roles_see_every_unit_of_their_jurisdiction(org):
    for name in ("coordinator", "leader", "admin"):
        user = org.users[name]
        assert set(codes(unit_ranking(user, NOVEMBER, now=NOW))) == {"JZ-SJ", "JZ-ZJ", "JZ-DH", "JZ-XS"}
        assert unit_card(user, "JZ-XS-ZJ", NOVEMBER, now=NOW).code == "JZ-XS-ZJ"
        assert set(codes(handler_ranking(user, NOVEMBER, now=NOW))) == {"handler", "handler2", "handler3"}


def test_a_department_head_sees_its_unit_and_its_handlers(org):
    head = org.users["head"]
    assert codes(unit_ranking(head, NOVEMBER, now=NOW)) == ["JZ-DH-SJ"]
    assert codes(handler_ranking(head, NOVEMBER, now=NOW)) == ["handler"]
    assert handler_card(head, "handler", NOVEMBER, now=NOW).code == "handler"
    for code in ("JZ-DH-CG", "JZ-DH", "JZ"):
        with pytest.raises(NotFound):
            unit_card(head, code, NOVEMBER, now=NOW)
    with pytest.raises(NotFound):
        handler_card(head, "handler3", NOVEMBER, now=NOW)


def test_a_handler_sees_only_their_own_card(org):
    handler = org.users["handler"]
    assert codes(handler_ranking(handler, NOVEMBER, now=NOW)) == ["handler"]
    assert codes(unit_ranking(handler, NOVEMBER, now=NOW)) == []
    with pytest.raises(NotFound):
        unit_card(handler, "JZ-DH-SJ", NOVEMBER, now=NOW)
    with pytest.raises(NotFound):
        handler_card(handler, "handler2", NOVEMBER, now=NOW)


@pytest.mark.parametrize("name", ["agent", "teamlead"])
def test_others_are_refused(org, name):
    with pytest.raises(Forbidden) as caught:
        unit_ranking(org.users[name], NOVEMBER, now=NOW)
    assert caught.value.code == "assessment_forbidden"


def test_periods():
    assert (
        parse_period({"period": "2026-Q4"}).start.isoformat(),
        parse_period({"period": "2026-Q4"}).end.day,
    ) == (
        "2026-10-01",
        31,
    )
    year = parse_period({"period": "2026"})
    assert (year.start.month, year.end.month, year.end.day) == (1, 12, 31)
    custom = parse_period({"from": "2026-11-05", "to": "2026-11-20"})
    assert (custom.start.day, custom.end.day) == (5, 20)
    for bad in ("2026-13", "2026-Q5", "26", "1999-01", "x"):
        with pytest.raises(InvalidInput) as caught:
            parse_period({"period": bad})
        assert caught.value.code == "assessment_invalid_period"


def test_api_rankings_and_cards(org, november, api):
    users = org.users
    body = api(users["coordinator"]).get("/api/v1/assessment/units/?period=2026-11&parent=JZ-DH").json()
    assert body["period"] == {
        "key": "2026-11",
        "label": "2026年11月",
        "from": "2026-11-01",
        "to": "2026-11-30",
    }
    assert [(c["code"], c["rank"]) for c in body["cards"]] == [("JZ-DH-CG", 1), ("JZ-DH-SJ", 2)]
    card = body["cards"][1]
    assert [r["code"] for r in card["rates"]] == [
        "on_time_rate",
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
    ]
    assert card["rates"][2]["denominator"] == 4 and card["deductions"][1] == {
        "code": "dissatisfied",
        "label": "不满意",
        "count": 1,
        "per": 2.0,
        "points": 2.0,
    }
    one = api(users["head"]).get("/api/v1/assessment/units/JZ-DH-SJ/?period=2026-11").json()
    assert one["score"] == card["score"] and one["name"] == "东湖区市场监督管理局"
    hidden = api(users["head"]).get("/api/v1/assessment/units/JZ-DH-CG/?period=2026-11")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "assessment_not_found")
    mine = api(users["handler"]).get("/api/v1/assessment/handlers/?period=2026-11").json()
    assert [c["code"] for c in mine["cards"]] == ["handler"]
    other = api(users["handler"]).get("/api/v1/assessment/handlers/handler3/?period=2026-11")
    assert other.status_code == 404
    refused = api(users["agent"]).get("/api/v1/assessment/units/")
    assert (refused.status_code, refused.json()["code"]) == (403, "assessment_forbidden")
    bad = api(users["coordinator"]).get("/api/v1/assessment/units/?period=2026-14")
    assert (bad.status_code, bad.json()["code"]) == (400, "assessment_invalid_period")
    assert api().get("/api/v1/assessment/units/").status_code in (401, 403)
