"""规范应答 on the intake screen (004 L1–60): the agent walks a response script during the
call and one action turns it into the ticket — closed on the spot with the wording as the
reply, or dispatched to the script's unit with the promised reply time — through the read
back (复述确认); the walk is the ticket's ``answer_script`` event.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from hotline.calendar.services import compute_deadline
from hotline.demo.seed import DemoOrg, seed_org
from hotline.knowledge.models import Phrase, Script, Situation
from hotline.tickets.models import Category, Ticket, TicketEvent
from hotline.web.views.scripts import answer_script_summary

PASSWORD = "pw-test-123"
PHONE = "13700001234"
WORDING = (
    "您反映的情况是我们与对方运营商之间的线路繁忙造成的,我们正在与对方协商解决;"
    "因为涉及两家的网络,您也可以向对方运营商的客服热线反映。感谢您的理解!"
)
REFUND = "您的通话已得到基本保障,资费上也享受了优惠,这次不能退费;我们会继续与对方协商。"


def interconnection_script(*, code: str = "interconnection", packs: list[str] | None = None) -> Script:
    """The interconnection script of 004 L28–60, in our own words."""
    return Script.objects.create(
        code=code,
        title="互联互通",
        symptom="拨打其他运营商的号码接通率低、拨后无反应、串线、错号、单通、掉话",
        typical_case="串线或拨后无反应时主叫往往听不到回铃音,但已计费",
        front_desk="问答判定确属互联互通问题的当场办结;其他按投诉派单",
        category=Category.objects.get(code="service.quality"),
        packs=["telecom"] if packs is None else packs,
        keywords=["串线", "异网", "打不通", "其他运营商"],
        questions=[
            {"key": "1", "text": "被叫方是否属其他运营商的号码", "expected": True},
            {"key": "2", "text": "此前是否一直都打不通该号码", "expected": False},
            {"key": "3", "text": "每次串线时被叫是否设置了呼叫转移", "expected": False},
        ],
        outcomes=[
            {
                "when": {"all": ["1", "2", "3"]},
                "outcome": "close",
                "label": "互联互通问题",
                "wording": WORDING,
                "notes": [{"situation": "来电人要求退费", "text": REFUND}],
            },
            {
                "when": None,
                "outcome": "dispatch",
                "label": "非互联互通问题",
                "wording": "我们将把您的问题转交网络维护部门核查,两个工作日内给您答复。",
                "unit": "JZ-DH-SJ",
                "promised": {"amount": 2, "unit": "working_days"},
            },
        ],
    )


@pytest.fixture
def telecom(db: Any) -> DemoOrg:
    """The demo organisation under the ``telecom`` pack: the agent closes and dispatches."""
    return seed_org(password=PASSWORD, policy="telecom")


@pytest.fixture
def script(telecom: DemoOrg) -> Script:
    return interconnection_script()


@pytest.fixture
def agent(client: Any, telecom: DemoOrg) -> Any:
    client.force_login(telecom.users["agent"])
    return client


def form(**extra: str) -> dict[str, str]:
    data = {
        "complainant.phone": PHONE,
        "type": "complaint",
        "category": "",
        "severity": "normal",
        "subject": "拨打联通号码总是串线",
        "description": "这几天拨打一个联通号码,经常串到别人那里",
        "complainant.name": "张三",
        "channel": "phone",
        "unit": "JZ-C",
    }
    data.update(extra)
    return data


def walked(script: Script, *answers: str, **extra: str) -> dict[str, str]:
    """The intake form as 按应答办结 / 按应答派单 posts it: the script and one answer each."""
    data = form(**extra)
    data.update({"walk": "1", "script": str(script.pk)})
    data.update({f"answer.{n}": a for n, a in enumerate(answers, 1)})
    return data


def hidden_fields(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def readback_block(html: str) -> str:
    start = html.index('id="readback"')
    return html[start : html.index("</section>", start)]


# --- the one action: closed on the spot --------------------------------------------------


def test_yes_no_no_is_read_back_then_closed_with_the_wording_as_the_reply(agent, script, telecom):
    read = agent.post("/intake/", walked(script, "yes", "no", "no"))
    assert read.status_code == 200
    html = read.content.decode()
    block = readback_block(html)
    assert "互联互通问题" in block and "1:是 2:否 3:否" in block and WORDING[:20] in block
    assert "已办结" in block  # the stage after saving, as the service would leave it
    assert "确认登记并按应答办结" in html
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()  # read back, nothing saved

    done = agent.post("/intake/", {**hidden_fields(html), "confirm": "1"})  # exactly what the page posts

    ticket = Ticket.objects.get()
    assert done.status_code == 302 and done.url == f"/intake/done/{ticket.number}/"
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert ticket.category is not None and ticket.category.code == "service.quality"  # the script's
    events = list(ticket.events.order_by("seq"))
    assert [e.action for e in events] == ["register", "answer_script", "close"]
    walk, close = events[1], events[2]
    assert walk.payload["answers"] == {"1": True, "2": False, "3": False}
    assert walk.payload["outcome"] == "close" and walk.payload["label"] == "互联互通问题"
    assert walk.payload["code"] == "interconnection" and walk.comment == "互联互通问题"
    assert "promised_at" not in walk.payload
    assert close.payload["result"] == WORDING and close.comment == WORDING and close.public
    assert walk.actor == close.actor == telecom.users["agent"]

    page = agent.get(done.url).content.decode()
    assert "已登记并当场办结" in page and "规范应答" in page and "互联互通问题" in page


def test_the_answer_typed_in_the_spot_box_is_the_reply_instead(agent, script):
    read = agent.post("/intake/", walked(script, "yes", "no", "no", result="已按口径解释,来电人认可"))
    assert "已按口径解释,来电人认可" in readback_block(read.content.decode())
    agent.post("/intake/", {**hidden_fields(read.content.decode()), "confirm": "1"})
    close = TicketEvent.objects.get(action="close")
    assert close.payload["result"] == "已按口径解释,来电人认可"


# --- the one action: dispatched with the promised time -------------------------------------


def test_another_answer_dispatches_to_the_scripts_unit_with_the_promised_time(agent, script, telecom):
    read = agent.post("/intake/", walked(script, "yes", "yes", "no"))
    assert read.status_code == 200
    html = read.content.decode()
    block = readback_block(html)
    assert "非互联互通问题" in block and "东湖区市场监督管理局" in block and "2个工作日" in block
    assert "待签收" in block and "确认登记并派单" in html
    assert not Ticket.objects.exists()

    done = agent.post("/intake/", {**hidden_fields(html), "confirm": "1"})

    ticket = Ticket.objects.get()
    assert done.status_code == 302
    assert ticket.status == "open" and ticket.stage == "dispatched" and ticket.unit.code == "JZ-DH-SJ"
    assert ticket.owner_unit.code == "JZ-C"  # 首问负责: still the centre's
    events = list(ticket.events.order_by("seq"))
    assert [e.action for e in events] == ["register", "answer_script", "accept", "dispatch"]
    walk = events[1]
    assert walk.payload["answers"] == {"1": True, "2": True, "3": False}
    assert walk.payload["outcome"] == "dispatch" and walk.payload["unit"] == "JZ-DH-SJ"
    assert walk.payload["promised"] == "2个工作日"
    promised_at = datetime.fromisoformat(walk.payload["promised_at"])
    assert promised_at == compute_deadline(start=walk.created_at, amount=2, unit="working_days").due_at

    page = agent.get(done.url).content.decode()
    assert "非互联互通问题" in page and "我们将在2个工作日内给您答复" in page
    assert answer_script_summary(walk.payload).split(";")[-1] in page


def test_a_category_chosen_by_the_agent_is_kept(agent, script):
    read = agent.post("/intake/", walked(script, "no", "no", "no", category="service.attitude"))
    agent.post("/intake/", {**hidden_fields(read.content.decode()), "confirm": "1"})
    assert Ticket.objects.get().category.code == "service.attitude"


# --- refusals: readable Chinese, nothing saved ---------------------------------------------


def test_missing_answers_are_refused_in_chinese_and_nothing_is_saved(agent, script):
    response = agent.post("/intake/", walked(script, "yes"))  # questions 2 and 3 not asked
    assert response.status_code == 400
    html = response.content.decode()
    assert "请回答第2条询问要点(是或否)" in html
    assert 'id="intake-form"' in html and 'id="readback"' not in html
    assert 'value="拨打联通号码总是串线"' in html  # the form as typed
    assert re.search(r'id="answer-1-yes"[^>]*checked', html)  # the answer given is kept
    assert re.search(r'class="script-question[^"]*text-danger[^"]*"[^>]*id="question-2"', html)

    confirm = agent.post("/intake/", {**walked(script, "yes", "", "no"), "confirm": "1"})  # a forged confirm
    assert confirm.status_code == 400 and "请回答第2条询问要点(是或否)" in confirm.content.decode()
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_walking_without_a_script_or_with_a_bad_one_is_refused_in_chinese(agent, script):
    data = walked(script, "yes", "no", "no")
    for value, message in (
        ("", "请先选择规范应答脚本"),
        ("abc", "规范应答脚本不存在"),
        ("99999", "规范应答脚本不存在"),
    ):
        response = agent.post("/intake/", {**data, "script": value, "confirm": "1"})
        assert response.status_code == 400, value
        assert message in response.content.decode(), value
    assert not Ticket.objects.exists()


def test_an_answer_other_than_yes_or_no_counts_as_not_given(agent, script):
    response = agent.post("/intake/", walked(script, "yes", "maybe", "no"))
    assert response.status_code == 400 and "请回答第2条询问要点(是或否)" in response.content.decode()


def test_the_form_is_still_validated_as_the_normal_intake(agent, script):
    response = agent.post(
        "/intake/", walked(script, "yes", "no", "no", subject="", **{"complainant.phone": "12"})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写标题" in html and 'data-error-for="complainant.phone"' in html
    assert not Ticket.objects.exists()


def test_a_script_of_another_pack_is_not_offered_nor_walked(agent, telecom):
    other = interconnection_script(code="tax-only", packs=["tax-12366"])
    page = agent.get("/intake/").content.decode()
    assert f'<option value="{other.pk}"' not in page and 'id="script-none"' in page
    response = agent.post("/intake/", {**walked(other, "yes", "no", "no"), "confirm": "1"})
    assert response.status_code == 400 and "规范应答脚本不存在" in response.content.decode()
    panel = agent.get("/intake/scripts/walk/", {"pick_script": other.pk})
    assert "规范应答脚本不存在" in panel.content.decode()
    assert not Ticket.objects.exists()


def test_where_the_pack_has_no_on_the_spot_close_the_script_says_so(client, db):
    # the enterprise pack lets agents close only consultations, help and praise on the spot
    org = seed_org(password=PASSWORD, policy="enterprise")
    script = interconnection_script(packs=[])
    client.force_login(org.users["agent"])
    response = client.post("/intake/", walked(script, "yes", "no", "no"))
    assert response.status_code == 400
    assert "按本单位政策,此类诉求不能按应答当场办结,请登记后派单" in response.content.decode()
    consultation = client.post("/intake/", walked(script, "yes", "no", "no", type="consultation"))
    assert consultation.status_code == 200 and 'id="readback"' in consultation.content.decode()
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_back_to_edit_keeps_the_script_and_the_answers(agent, script):
    read = agent.post("/intake/", walked(script, "yes", "yes", "no"))
    back = agent.post("/intake/", {**hidden_fields(read.content.decode()), "edit": "1"})
    html = back.content.decode()
    assert back.status_code == 200 and 'id="intake-form"' in html
    assert 'id="script-chosen"' in html and f'value="{script.pk}"' in html
    for key, value in (("1", "yes"), ("2", "yes"), ("3", "no")):
        assert re.search(rf'id="answer-{key}-{value}"[^>]*checked', html), key
    assert "按应答派单" in html  # the outcome is shown again
    assert not Ticket.objects.exists()


# --- the panels (htmx partials, and the same without JavaScript) ---------------------------


def test_suggestions_follow_the_words_and_the_category_typed(agent, script):
    by_words = agent.get("/intake/scripts/suggest/", {"subject": "总是串线", "description": ""})
    assert by_words.status_code == 200 and 'data-script="interconnection"' in by_words.content.decode()
    by_category = agent.get("/intake/scripts/suggest/", {"category": "service.quality"})
    assert 'data-script="interconnection"' in by_category.content.decode()
    unrelated = agent.get(
        "/intake/scripts/suggest/", {"subject": "电饭煲不加热", "category": "product.quality"}
    )
    html = unrelated.content.decode()
    assert 'data-script="interconnection"' not in html and 'id="script-suggest-hint"' in html
    assert f'<option value="{script.pk}">互联互通</option>' in html  # every script stays in the list


def test_the_walk_panel_shows_the_case_and_one_key_per_question(agent, script):
    response = agent.get("/intake/scripts/walk/", {"pick_script": script.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "拨打其他运营商的号码接通率低" in html and "串线或拨后无反应时" in html
    for key in ("1", "2", "3"):
        assert f'name="answer.{key}" value="yes"' in html and f'name="answer.{key}" value="no"' in html
    assert 'form="intake-form"' in html and "(Y)" in html and "(N)" in html
    assert "还需询问:第1、2、3条" in html and 'id="script-act"' in html


def test_the_outcome_is_shown_live_with_the_wording_notes_and_promise(agent, script):
    base = {"script": script.pk}
    close = agent.get(
        "/intake/scripts/outcome/", {**base, "answer.1": "yes", "answer.2": "no", "answer.3": "no"}
    )
    html = close.content.decode()
    assert "互联互通问题" in html and WORDING[:20] in html and "按应答办结" in html
    assert "来电人要求退费" in html and REFUND[:10] in html  # the note for a special situation
    dispatch = agent.get(
        "/intake/scripts/outcome/", {**base, "answer.1": "yes", "answer.2": "yes", "answer.3": "no"}
    )
    html = dispatch.content.decode()
    assert "非互联互通问题" in html and "按应答派单" in html and "东湖区市场监督管理局" in html
    assert "2个工作日" in html and re.search(r'id="script-promised-at">\d{4}-\d\d-\d\d \d\d:\d\d<', html)
    partial = agent.get("/intake/scripts/outcome/", {**base, "answer.1": "yes"})
    assert "还需询问:第2、3条" in partial.content.decode()


def test_the_panels_are_for_intake_roles_only(client, script, telecom):
    client.force_login(telecom.users["handler"])
    for url in ("/intake/scripts/suggest/", "/intake/scripts/walk/", "/intake/scripts/outcome/"):
        response = client.get(url, {"pick_script": script.pk, "script": script.pk})
        assert response.status_code == 403 and "您没有受理登记的角色" in response.content.decode(), url
    assert client.get("/intake/scripts/walk/", {"pick_script": "x"}).status_code == 403


def test_without_javascript_a_suggestion_opens_the_script_and_keeps_the_form(agent, script):
    response = agent.post("/intake/", {**form(), "pick_script": str(script.pk)})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="script-walk-panel"' in html and 'value="拨打联通号码总是串线"' in html
    assert 'class="invalid-feedback' not in html  # not judged: the call is still going on
    from_list = agent.post(
        "/intake/", {**form(subject=""), "pick_script": "choice", "script_choice": str(script.pk)}
    )
    assert (
        'id="script-walk-panel"' in from_list.content.decode()
        and "请填写标题" not in from_list.content.decode()
    )
    dropped = agent.post("/intake/", {**form(), "script": str(script.pk), "drop_script": "1"})
    assert 'id="script-walk-panel"' not in dropped.content.decode()
    assert not Ticket.objects.exists()


def test_the_intake_screen_shows_the_service_phrases_by_situation(agent, script):
    Phrase.objects.create(situation=Situation.CLOSING, text="感谢您的来电,再见!")
    Phrase.objects.create(situation=Situation.GREETING, text="您好,这里是客服热线,请问有什么可以帮您?")
    Phrase.objects.create(situation=Situation.HOLD, text="请您稍候,我为您查询。")
    Phrase.objects.create(situation=Situation.TRANSFER, text="这就为您转接相关部门,请不要挂机。")
    Phrase.objects.create(situation=Situation.HOLD, text="已停用的一句", active=False)
    html = agent.get("/intake/").content.decode()
    panel = html[html.index('id="phrases-panel"') :]
    order = [panel.index(f'id="phrases-{s}"') for s in ("greeting", "hold", "transfer", "closing")]
    assert order == sorted(order)  # in the order of a call
    assert "请问有什么可以帮您" in panel and "请您稍候" in panel and "已停用的一句" not in panel
    assert re.search(r'id="phrases-greeting"[^>]*open', panel)
    assert 'id="script-panel"' in html and "Alt+K" in html


def test_the_history_shows_the_walk(agent, script, telecom):
    read = agent.post("/intake/", walked(script, "yes", "yes", "no"))
    agent.post("/intake/", {**hidden_fields(read.content.decode()), "confirm": "1"})
    ticket = Ticket.objects.get()
    page = agent.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-event="answer_script"' in page and "规范应答" in page and "非互联互通问题" in page
    summary = answer_script_summary(ticket.events.get(action="answer_script").payload)
    assert summary.startswith("脚本《互联互通》;询问要点 1:是 2:是 3:否;派单;承办单位 东湖区市场监督管理局;")
    assert re.search(r"承诺2个工作日内答复\(\d{4}-\d\d-\d\d \d\d:\d\d前\)$", summary)


def test_the_intake_screen_stays_within_its_query_budget(agent, script, django_assert_max_num_queries):
    Phrase.objects.create(situation=Situation.GREETING, text="您好")
    with django_assert_max_num_queries(16):
        agent.get("/intake/")
    with django_assert_max_num_queries(12):
        agent.get(
            "/intake/scripts/outcome/",
            {"script": script.pk, "answer.1": "yes", "answer.2": "yes", "answer.3": "no"},
        )


def test_a_stale_script_does_not_stop_the_plain_registration(agent, telecom):
    other = interconnection_script(code="tax-only", packs=["tax-12366"])  # not the agent's
    response = agent.post("/intake/", {**form(), "script": str(other.pk), "answer.1": "yes"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="readback"' in html and 'name="walk"' not in html


def test_a_script_without_questions_dispatches_at_once_from_the_demo(client, db):
    # 信号弱 (004 L204–224) asks nothing: the front desk dispatches it to the branch
    from hotline.demo.knowledge import seed_knowledge
    from hotline.demo.seed import seed_telecom

    org = seed_org(password=PASSWORD)
    tel = seed_telecom(password=PASSWORD)
    seed_knowledge(org=org, telecom=tel)
    client.force_login(tel.users["telagent"])
    weak = Script.objects.get(code="weak-signal")
    assert weak.questions == []
    data = {**walked(weak), "unit": "JZ-TEL-C", "subject": "家里手机信号很弱", "description": "信号时有时无"}
    read = client.post("/intake/", data)
    assert read.status_code == 200, read.content.decode()[:2000]
    done = client.post("/intake/", {**hidden_fields(read.content.decode()), "confirm": "1"})
    assert done.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.stage == "dispatched" and ticket.unit.code == "JZ-TEL-DH"
    assert ticket.events.get(action="answer_script").payload["answers"] == {}
