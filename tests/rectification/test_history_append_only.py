"""A notice's history and reports are never changed: the model refuses, and so does the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from hotline.rectification.models import AppendOnlyError, NoticeStep, Report
from hotline.rectification.services import notice_report


def test_the_model_refuses_changes(org, issue):
    notice = issue()
    notice_report(notice=notice, actor=org.users["head"], text="已整改。")
    step = NoticeStep.objects.get(notice=notice, seq=1)
    step.comment = "改写"
    with pytest.raises(AppendOnlyError):
        step.save()
    with pytest.raises(AppendOnlyError):
        step.delete()
    with pytest.raises(AppendOnlyError):
        Report.objects.get(notice=notice).delete()


def test_the_database_refuses_updates(org, issue):
    notice = issue()
    with pytest.raises(DatabaseError), transaction.atomic():
        NoticeStep.objects.filter(notice=notice).update(comment="改写")
    assert NoticeStep.objects.get(notice=notice).comment == ""


@pytest.mark.postgres_only
def test_postgresql_refuses_deletes(org, issue):
    notice = issue()
    with pytest.raises(DatabaseError), transaction.atomic():
        NoticeStep.objects.filter(notice=notice)._raw_delete(NoticeStep.objects.db)
    assert NoticeStep.objects.filter(notice=notice).count() == 1
