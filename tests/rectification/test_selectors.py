"""The scorecards' counts per unit over a period."""

from __future__ import annotations

from hotline.org.models import Unit
from hotline.rectification.selectors import counts_per_unit
from hotline.rectification.services import notice_report, notice_verify, notice_withdraw
from tests.helpers import local


def test_counts_per_unit(org, issue):
    users = org.users
    on_time = issue("JZ-DH-SJ")  # reported in time, verified
    notice_report(notice=on_time, actor=users["head"], text="按期", now=local("2025-11-04 09:00"))
    notice_verify(notice=on_time, actor=users["coordinator"], now=local("2025-11-05 09:00"))
    late = issue("JZ-DH-SJ")  # reported late, verified
    notice_report(notice=late, actor=users["head"], text="逾期", now=local("2025-11-10 09:00"))
    notice_verify(notice=late, actor=users["coordinator"], now=local("2025-11-10 10:00"))
    issue("JZ-DH-SJ")  # never reported
    withdrawn = issue("JZ-DH-SJ")
    notice_withdraw(notice=withdrawn, actor=users["coordinator"], reason="误发")
    issue("JZ-XS-ZJ", at="2025-12-01 10:00")  # another period

    counts = counts_per_unit(
        start=local("2025-11-01 00:00"), end=local("2025-12-01 00:00"), as_of=local("2025-11-20 00:00")
    )
    unit = Unit.objects.get(code="JZ-DH-SJ")
    assert list(counts) == [unit.pk]
    c = counts[unit.pk]
    assert (c.issued, c.verified, c.verified_on_time, c.overdue) == (3, 2, 1, 2)

    early = counts_per_unit(
        start=local("2025-11-01 00:00"), end=local("2025-12-01 00:00"), as_of=local("2025-11-05 12:00")
    )
    c = early[unit.pk]
    assert (c.issued, c.verified, c.verified_on_time, c.overdue) == (3, 1, 1, 0)
    assert counts_per_unit(start=local("2025-11-01 00:00"), end=local("2025-12-01 00:00"), units=[]) == {}
