"""The demo knowledge base: the eight scripts of 004_…txt decide as the source's rules say,
the articles have versions and a review queue, the phrases cover every situation of a
call, and seeding twice duplicates nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from hotline.demo.knowledge import ARTICLES, SCRIPTS, seed_knowledge
from hotline.demo.seed import DemoOrg, seed_org, seed_telecom
from hotline.knowledge.models import (
    Article,
    ArticleEvent,
    ArticleStatus,
    ArticleVersion,
    Phrase,
    Script,
    Situation,
)
from hotline.knowledge.rules import check_script
from hotline.knowledge.services import public_articles, version_diff
from hotline.knowledge.walks import register_with_script, script_walk, scripts_for
from hotline.org.models import Unit, UnitKind
from tests.factories import DraftFactory
from tests.helpers import local

PW = "pw-demo-123"
NOW = local("2026-10-14 10:00")  # a Wednesday


@pytest.fixture
def seeded(db: Any) -> tuple[DemoOrg, DemoOrg]:
    org = seed_org(password=PW)
    telecom = seed_telecom(password=PW)
    seed_knowledge(org=org, telecom=telecom)
    return org, telecom


def walk(code: str, *answers: bool) -> Any:
    script = Script.objects.get(code=code)
    given = {q["key"]: a for q, a in zip(script.questions, answers, strict=True)}
    return script_walk(script, given, now=NOW).decided


def dispatched(decided: Any, unit: str, days: int) -> bool:
    return (
        decided.outcome == "dispatch"
        and decided.unit == unit
        and decided.promised == {"amount": days, "unit": "working_days"}
    )


# ---------------------------------------------------------------------------- seeding


def test_seeding_twice_duplicates_nothing(seeded):
    counts = (
        Unit.objects.count(),
        Script.objects.count(),
        Article.objects.count(),
        ArticleVersion.objects.count(),
        ArticleEvent.objects.count(),
        Phrase.objects.count(),
    )
    again = seed_knowledge(org=seed_org(password=PW), telecom=seed_telecom(password=PW))
    assert (again.scripts, again.articles, again.phrases) == (0, 0, 0)
    assert counts == (
        Unit.objects.count(),
        Script.objects.count(),
        Article.objects.count(),
        ArticleVersion.objects.count(),
        ArticleEvent.objects.count(),
        Phrase.objects.count(),
    )
    assert Script.objects.count() == 8
    assert Article.objects.count() == len(ARTICLES) >= 30


def test_a_script_changed_by_a_user_is_kept_on_the_next_run(seeded):
    org, telecom = seeded
    Script.objects.filter(code="roaming").update(title="漫游(本地修改)")
    seed_knowledge(org=org, telecom=telecom)
    assert Script.objects.get(code="roaming").title == "漫游(本地修改)"


def test_the_telecom_branch_uses_the_telecom_pack_and_has_a_centre(seeded):
    _, telecom = seeded
    centre = telecom.units["JZ-TEL-C"]
    assert centre.kind == UnitKind.CENTRE
    assert centre.effective_policy() == "telecom"
    assert telecom.units["JZ-TEL"].covers(telecom.units["JZ-TEL-SP"])
    # the city's tree is untouched: its root keeps its own pack
    assert Unit.objects.get(code="JZ").policy == "hotline-12345"


def test_every_script_is_valid_with_its_units_and_offered_to_the_telecom_agent(seeded):
    _, telecom = seeded
    for script in Script.objects.all():
        check_script(
            script.questions,
            script.outcomes,
            script.faq,
            unit_exists=lambda code: Unit.objects.filter(code=code).exists(),
        )
        for outcome in script.outcomes:
            if outcome["outcome"] == "dispatch":
                assert Unit.objects.get(code=outcome["unit"]).code.startswith("JZ-TEL-")
    assert scripts_for(telecom.users["telagent"]).count() == 8


def test_the_city_agent_is_not_offered_the_telecom_scripts(seeded):
    org, _ = seeded
    assert scripts_for(org.users["agent"]).count() == 0


# ---------------------------------------------------------------------------- the rules


def test_interconnection_rules(seeded):
    close = walk("interconnection", True, False, False)
    assert close.outcome == "close" and close.label == "互联互通问题"
    assert {n["situation"] for n in close.notes} >= {"来电人要求退费", "来电人要求明确解决时限"}
    # any one of 1–3 not holding → not an interconnection problem, dispatched in 2 working days
    for answers in [(True, True, False), (False, False, False), (True, False, True)]:
        decided = walk("interconnection", *answers)
        assert decided.label == "非互联互通问题"
        assert dispatched(decided, "JZ-TEL-NET", 2), answers


def test_sms_subscription_closes_when_explained_and_goes_to_the_sp_otherwise(seeded):
    assert walk("sms-subscription", True, True).outcome == "close"
    assert dispatched(walk("sms-subscription", True, False), "JZ-TEL-SP", 1)
    assert dispatched(walk("sms-subscription", False, True), "JZ-TEL-SP", 1)


def test_network_sms_rules(seeded):
    # (2,3) one not met → close as a usage question
    assert walk("network-sms", True, False, False, True, True).label == "短信设置和使用问题"
    assert walk("network-sms", False, True, True, False, False).label == "短信设置和使用问题"
    # all five met → close
    assert walk("network-sms", True, True, False, True, True).outcome == "close"
    # (1,2,3,4) → 支撑共享中心 (public-service SMS prefix)
    prefix = walk("network-sms", True, True, False, True, False)
    assert prefix.label == "未增加公益短信字冠" and dispatched(prefix, "JZ-TEL-SUP", 2)
    # (1,2,3,5) → close as coverage, with the location to collect
    coverage = walk("network-sms", True, True, False, False, True)
    assert coverage.outcome == "close" and "覆盖" in coverage.label
    assert "市场经营部" in coverage.notes[0]["text"]
    # others → dispatched in 2 working days
    other = walk("network-sms", False, True, False, False, False)
    assert dispatched(other, "JZ-TEL-NET", 2)


def test_weak_signal_is_always_dispatched_to_the_branch(seeded):
    assert Script.objects.get(code="weak-signal").questions == []
    assert dispatched(walk("weak-signal"), "JZ-TEL-DH", 2)


def test_roaming_closes_when_the_caller_accepts_and_is_dispatched_otherwise(seeded):
    assert walk("roaming", True).outcome == "close"
    assert dispatched(walk("roaming", False), "JZ-TEL-DH", 2)


def test_ringback_closes_a_question_the_front_desk_answers(seeded):
    assert walk("ringback", True).outcome == "close"
    assert dispatched(walk("ringback", False), "JZ-TEL-NET", 2)
    faq = Script.objects.get(code="ringback").faq
    assert any("116100" in item["a"] for item in faq)


def test_peak_traffic_closes_only_when_all_three_hold(seeded):
    assert walk("peak-traffic", True, True, True).label == "春节话务高峰"
    assert dispatched(walk("peak-traffic", True, True, False), "JZ-TEL-NET", 2)


def test_handset_fault_rules(seeded):
    assert walk("handset-fault", True, True).label == "话机上设置了呼叫限制"
    assert dispatched(walk("handset-fault", True, False), "JZ-TEL-TERM", 2)
    assert dispatched(walk("handset-fault", False, True), "JZ-TEL-DH", 2)


def test_every_answer_set_of_every_script_has_an_outcome(seeded):
    for script in Script.objects.all():
        n = len(script.questions)
        for mask in range(2**n):
            answers = [bool(mask >> i & 1) for i in range(n)]
            decided = walk(script.code, *answers)
            assert decided.outcome in ("close", "dispatch")
            if decided.outcome == "dispatch":
                assert decided.promised and decided.unit


def test_the_seed_scripts_are_the_eight_of_the_source():
    assert [s["title"] for s in SCRIPTS] == [
        "互联互通",
        "资费争议—短信定制",
        "网络质量—大灵通短信",
        "网络质量—信号弱",
        "服务质量—漫游业务",
        "服务质量—悦铃业务",
        "服务质量—话务高峰期",
        "话机故障",
    ]


def test_the_telecom_agent_dispatches_a_walked_script_to_its_unit(seeded):
    _, telecom = seeded
    script = Script.objects.get(code="weak-signal")
    draft = DraftFactory(subject="家里手机信号很弱", description="东湖小区室内经常没有信号")
    ticket, _ = register_with_script(draft=draft, actor=telecom.users["telagent"], script=script, answers={})
    assert ticket.policy == "telecom"
    assert ticket.stage == "dispatched" and ticket.unit.code == "JZ-TEL-DH"
    assert ticket.category.code == "telecom.network"


def test_the_telecom_agent_closes_an_interconnection_problem_on_the_spot(seeded):
    _, telecom = seeded
    script = Script.objects.get(code="interconnection")
    ticket, walk_ = register_with_script(
        draft=DraftFactory(subject="打联通号码串线", description="拨打联通号码经常串线"),
        actor=telecom.users["telagent"],
        script=script,
        answers={"1": True, "2": False, "3": False},
    )
    assert ticket.status == "closed"
    assert ticket.events.get(action="close").payload["result"] == walk_.decided.wording


# ---------------------------------------------------------------------------- articles


def test_articles_have_versions_and_a_trail(seeded):
    for article in Article.objects.all():
        numbers = list(article.versions.values_list("number", flat=True))
        assert numbers == list(range(1, article.version + 1)), article.title
        assert article.events.filter(kind=ArticleEvent.Kind.CREATE).exists()
    revised = Article.objects.get(title="诉求办理时限说明")
    assert revised.version == 2
    diff = version_diff(revised, 1, 2)
    assert any(line.startswith("+") and "紧急诉求" in line for line in diff)


def test_public_articles_fill_the_portal_faq_for_both_demos(seeded):
    public = public_articles()
    assert public.count() >= 12
    packs = {p for a in public for p in a.packs}
    assert {"telecom", "hotline-12345"} <= packs


def test_the_review_queue_and_the_drafts_are_not_empty(seeded):
    org, _ = seeded
    assert Article.objects.filter(status=ArticleStatus.REVIEW).count() >= 2
    drafts = Article.objects.filter(status=ArticleStatus.DRAFT)
    assert drafts.filter(created_by=org.users["agent"]).exists()
    assert Article.objects.filter(status=ArticleStatus.RETIRED).exists()
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    assert published.exclude(published_by=org.users["teamlead"]).count() == 0


# ---------------------------------------------------------------------------- phrases


def test_phrases_cover_every_situation(seeded):
    for situation in Situation.values:
        assert Phrase.objects.filter(situation=situation, active=True).count() >= 2, situation


# ---------------------------------------------------------------------------- the command


def test_the_demo_command_seeds_the_knowledge_base_once_and_prints_the_telecom_logins(db, capsys):
    call_command("demo", "--no-serve", "--tickets", "2")
    first = capsys.readouterr().out
    assert "telagent" in first and "telcoord" in first
    counts = (Script.objects.count(), Article.objects.count(), Phrase.objects.count())
    call_command("demo", "--no-serve", "--tickets", "2")
    assert (Script.objects.count(), Article.objects.count(), Phrase.objects.count()) == counts
    assert counts[0] == 8
