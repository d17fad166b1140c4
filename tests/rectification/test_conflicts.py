"""Conflicting steps: one wins, the other gets a clear 409; a step that changes nothing writes nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hotline.core.errors import Conflict, NoChange
from hotline.notify.models import Message
from hotline.rectification.models import Notice, NoticeStep, Report
from hotline.rectification.services import (
    notice_report,
    notice_send_back,
    notice_verify,
    notice_withdraw,
)


def _count(notice):
    fresh = Notice.objects.get(pk=notice.pk)
    return fresh.version, NoticeStep.objects.filter(notice=notice).count(), Message.objects.count()


def test_a_stale_version_is_a_conflict(org, issue):
    users = org.users
    notice = issue()
    notice_report(notice=notice, actor=users["head"], text="已整改。")
    before = _count(notice)
    with pytest.raises(Conflict) as err:
        notice_verify(notice=notice, actor=users["coordinator"], expected_version=1)
    assert err.value.code == "stale_version" and err.value.status == 409
    assert _count(notice) == before


def test_verify_after_send_back_is_a_wrong_status(org, issue):
    users = org.users
    notice = issue()
    notice_report(notice=notice, actor=users["head"], text="已整改。")
    notice_send_back(notice=notice, actor=users["coordinator"], reason="不完整")
    before = _count(notice)
    with pytest.raises(Conflict) as err:
        notice_verify(notice=notice, actor=users["leader"])
    assert err.value.code == "rectification_wrong_status"
    assert _count(notice) == before


def test_no_change_writes_nothing(org, issue):
    users = org.users
    notice = issue()
    notice_report(notice=notice, actor=users["head"], text="已整改。")
    before = _count(notice)
    with pytest.raises(NoChange) as err:  # the same report twice (a double click)
        notice_report(notice=notice, actor=users["head"], text="已整改。")
    assert err.value.code == "no_change"
    with pytest.raises(Conflict) as other:  # another report while one waits
        notice_report(notice=notice, actor=users["head"], text="补充说明")
    assert other.value.code == "rectification_wrong_status"
    assert _count(notice) == before
    notice_verify(notice=notice, actor=users["coordinator"])
    before = _count(notice)
    with pytest.raises(NoChange):
        notice_verify(notice=notice, actor=users["coordinator"])
    assert _count(notice) == before
    assert Report.objects.filter(notice=notice).count() == 1


def test_withdraw_twice_is_no_change(org, issue):
    users = org.users
    notice = issue()
    notice_withdraw(notice=notice, actor=users["coordinator"], reason="误发")
    before = _count(notice)
    with pytest.raises(NoChange):
        notice_withdraw(notice=notice, actor=users["coordinator"], reason="误发")
    assert _count(notice) == before


@pytest.mark.django_db(transaction=True)
def test_verify_and_send_back_at_once_one_wins(org, issue):
    users = org.users
    notice = issue()
    notice = notice_report(notice=notice, actor=users["head"], text="已整改。")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def step(name: str) -> None:
        try:
            barrier.wait()
            if name == "verify":
                notice_verify(notice=notice, actor=users["coordinator"], expected_version=notice.version)
            else:
                notice_send_back(
                    notice=notice, actor=users["leader"], reason="不完整", expected_version=notice.version
                )
            outcomes.append(f"ok:{name}")
        except Conflict as exc:
            outcomes.append(f"conflict:{exc.status}:{exc.code}")
        except Exception as exc:  # pragma: no cover - shown in the assertion
            outcomes.append(f"error:{exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=step, args=(n,)) for n in ("verify", "send_back")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "ok"], outcomes
    assert "conflict:409:stale_version" in outcomes
    winner = next(o for o in outcomes if o.startswith("ok")).split(":")[1]
    fresh = Notice.objects.get(pk=notice.pk)
    assert fresh.status == {"verify": "verified", "send_back": "sent_back"}[winner]
    assert fresh.version == 3
    assert NoticeStep.objects.filter(notice=notice, action__in=["verify", "send_back"]).count() == 1
