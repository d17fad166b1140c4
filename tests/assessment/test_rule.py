"""The scoring rule is data, checked on every save with Chinese messages."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from hotline.assessment.models import ScoringRule
from hotline.assessment.periods import parse_period
from hotline.assessment.selectors import unit_card
from hotline.core.errors import InvalidInput
from hotline.org.models import Unit
from tests.assessment.conftest import NOW

pytestmark = pytest.mark.django_db


def messages(err: ValidationError) -> str:
    return " ".join(m for ms in err.message_dict.values() for m in ms)


def test_weights_must_total_100():
    with pytest.raises(ValidationError) as caught:
        ScoringRule(name="坏规则", active=False, w_on_time=D(30)).save()
    assert "权重之和应为 100 分,现为 105 分" in messages(caught.value)
    assert not ScoringRule.objects.filter(name="坏规则").exists()


def test_severe_repeat_costs_at_least_an_ordinary_one_and_nothing_is_negative():
    with pytest.raises(ValidationError) as caught:
        ScoringRule(name="坏规则", active=False, d_repeat=D(5), d_repeat_severe=D(2), d_overdue=D(-1)).save()
    text = messages(caught.value)
    assert "严重重复问题的扣分不能低于一般重复问题的扣分" in text and "不能为负数" in text


def test_a_rule_belongs_to_a_top_unit_and_one_is_active_per_unit(org):
    county = Unit.objects.get(code="JZ-DH")
    with pytest.raises(ValidationError) as caught:
        ScoringRule(name="区规则", unit=county).save()
    assert "不是顶级单位" in messages(caught.value)
    with pytest.raises(ValidationError) as caught:
        ScoringRule(name="第二条默认规则").save()  # the default from the migration is active
    assert "已有一条启用的默认考核规则" in messages(caught.value)
    city = Unit.objects.get(code="JZ")
    ScoringRule(name="江州市规则", unit=city).save()
    with pytest.raises(ValidationError) as caught:
        ScoringRule(name="江州市规则二", unit=city).save()
    assert "该单位已有一条启用的考核规则" in messages(caught.value)
    ScoringRule(name="江州市规则二", unit=city, active=False).save()  # inactive: fine


def test_the_top_units_rule_wins_over_the_default_and_none_is_refused(org):
    coordinator = org.users["coordinator"]
    period = parse_period({"period": "2026-11"})
    assert unit_card(coordinator, "JZ-SJ", period, now=NOW).rule.name == "默认考核评分规则"
    ScoringRule(name="江州市规则", unit=Unit.objects.get(code="JZ")).save()
    assert unit_card(coordinator, "JZ-SJ", period, now=NOW).rule.name == "江州市规则"
    ScoringRule.objects.update(active=False)
    with pytest.raises(InvalidInput) as caught:
        unit_card(coordinator, "JZ-SJ", period, now=NOW)
    assert caught.value.code == "assessment_no_rule"


def test_the_admin_refuses_a_bad_rule(org, client):
    client.force_login(org.users["admin"])
    data = {
        "name": "后台规则",
        "active": "",
        "w_on_time": "40",
        "w_response": "40",
        "w_resolution": "40",
        "w_satisfaction": "40",
        "empty_rate": "reweight",
        "d_overdue": "2",
        "d_dissatisfied": "2",
        "d_returned": "1",
        "d_repeat": "2",
        "d_repeat_severe": "5",
        "severe_times": "3",
        "d_rectification_overdue": "3",
        "deduction_cap": "",
        "floor_zero": "on",
        "note": "",
    }
    response = client.post("/admin/assessment/scoringrule/add/", data)
    assert response.status_code == 200 and "权重之和应为 100 分,现为 160 分" in response.content.decode()
    data.update(w_on_time="10", w_response="20", w_resolution="30")
    response = client.post("/admin/assessment/scoringrule/add/", data)
    assert response.status_code == 302
    assert ScoringRule.objects.get(name="后台规则").w_satisfaction == D(40)
