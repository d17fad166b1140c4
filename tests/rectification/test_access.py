"""Who issues, who answers, who sees: scoping, one 404 for missing and forbidden, denials change nothing."""

from __future__ import annotations

import pytest

from hotline.core.errors import Forbidden, InvalidInput, NotFound
from hotline.org.models import Membership, Role, Unit
from hotline.rectification.access import access_notice, notices_visible_to
from hotline.rectification.models import Notice, NoticeStep
from hotline.rectification.services import notice_issue, notice_report, notice_send_back, notice_verify
from tests.factories import UserFactory
from tests.helpers import local


def _state(notice):
    fresh = Notice.objects.get(pk=notice.pk)
    return fresh.status, fresh.version, NoticeStep.objects.filter(notice=notice).count()


def test_each_head_sees_only_their_units_notices(org, issue):
    users = org.users
    mine = issue("JZ-DH-SJ")
    other = issue("JZ-XS-ZJ")
    assert list(notices_visible_to(users["head"])) == [mine]
    assert list(notices_visible_to(users["head2"])) == [other]
    with pytest.raises(NotFound) as missing:
        access_notice(users["head"], "ZG2025-9999")
    with pytest.raises(NotFound) as hidden:
        access_notice(users["head"], other.number)
    assert missing.value.code == hidden.value.code == "rectification_not_found"


def test_a_head_above_sees_the_subtree(org, issue):
    county_head = UserFactory(username="county_head")
    Membership.objects.create(user=county_head, unit=Unit.objects.get(code="JZ-DH"), role=Role.DEPT_HEAD)
    below = issue("JZ-DH-CG")
    issue("JZ-XS-ZJ")
    assert list(notices_visible_to(county_head)) == [below]
    notice = notice_report(
        notice=below, actor=county_head, text="区里已督促整改。", now=local("2025-11-04 09:00")
    )
    assert notice.status == "reported"


def test_the_centre_sees_its_jurisdiction_and_nobody_else_any(org, issue):
    users = org.users
    a, b = issue("JZ-DH-SJ"), issue("JZ-XS-ZJ")
    for name in ("coordinator", "leader", "teamlead", "admin"):
        assert set(notices_visible_to(users[name])) == {a, b}, name
    for name in ("agent", "handler"):
        assert list(notices_visible_to(users[name])) == [], name


def test_a_centre_elsewhere_cannot_issue_here(org):
    other_centre = Unit.objects.create(code="X", name="外市", kind="city")
    centre = Unit.objects.create(code="X-C", name="外市热线中心", kind="centre", parent=other_centre)
    outsider = UserFactory(username="outsider")
    Membership.objects.create(user=outsider, unit=centre, role=Role.COORDINATOR)
    with pytest.raises(InvalidInput) as err:
        notice_issue(
            actor=outsider,
            unit=Unit.objects.get(code="JZ-DH-SJ"),
            subject="s",
            problem="p",
            requirement="r",
            days=3,
        )
    assert err.value.code == "unit_out_of_scope"
    assert not Notice.objects.exists()


@pytest.mark.parametrize("name", ["head", "handler", "agent", "teamlead"])
def test_only_the_supervision_office_issues(org, name):
    with pytest.raises(Forbidden) as err:
        notice_issue(
            actor=org.users[name],
            unit=Unit.objects.get(code="JZ-DH-SJ"),
            subject="s",
            problem="p",
            requirement="r",
            days=3,
        )
    assert err.value.code == "rectification_forbidden"
    assert not Notice.objects.exists()


def test_the_coordinator_cannot_report_and_the_head_cannot_verify(org, issue):
    users = org.users
    notice = issue()
    before = _state(notice)
    with pytest.raises(Forbidden):
        notice_report(notice=notice, actor=users["coordinator"], text="代报")
    assert _state(notice) == before
    notice = notice_report(notice=notice, actor=users["head"], text="已整改。")
    before = _state(notice)
    for act in (notice_verify, notice_send_back):
        with pytest.raises(Forbidden) as err:
            act(notice=notice, actor=users["head"], **({"reason": "x"} if act is notice_send_back else {}))
        assert err.value.code == "rectification_forbidden"
    with pytest.raises(Forbidden):
        notice_report(notice=notice, actor=users["head2"], text="别的单位")
    assert _state(notice) == before


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"subject": " "}, "subject_required"),
        ({"problem": ""}, "problem_required"),
        ({"requirement": ""}, "requirement_required"),
        ({"days": 0}, "invalid_days"),
        ({"days": 61}, "invalid_days"),
        ({"days": "三"}, "invalid_days"),
        ({"subject": "长" * 201}, "subject_too_long"),
    ],
)
def test_bad_input_is_refused_with_its_code(org, issue, fields, code):
    with pytest.raises(InvalidInput) as err:
        issue(**fields)
    assert err.value.code == code
    assert not Notice.objects.exists()
