"""API shapes of the upper level (上级转办): a ticket's partner record, our last callback."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from hotline.exchange.models import DueSource
from hotline.exchange.selectors import upper_level_of
from hotline.tickets.models import Ticket


class CallbackOut(serializers.Serializer[Any]):
    event = serializers.CharField(help_text="accepted、dispatched、replied、closed 等")
    status = serializers.CharField(help_text="发件箱状态:pending、retrying、sent、dead 等")
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class UpperLevelOut(serializers.Serializer[Any]):
    """上级转办信息 of a ticket (``hotline.exchange.selectors.UpperLevel.as_dict``)."""

    partner = serializers.CharField(help_text="上级/合作系统编码")
    partner_name = serializers.CharField()
    ticket_id = serializers.CharField(help_text="上级工单标识")
    number = serializers.CharField(help_text="上级工单编号")
    dispatched_at = serializers.DateTimeField()
    answer_due_at = serializers.DateTimeField(allow_null=True, help_text="上级时限:反馈处理结果的期限")
    answer_due_source = serializers.ChoiceField(choices=DueSource.choices)
    answer_limit = serializers.CharField(help_text="如“3个工作日”;上级给定时限时为空")
    provisional = serializers.BooleanField()
    answered_at = serializers.DateTimeField(allow_null=True, help_text="结果已回传(写入发件箱)的时间")
    overdue = serializers.BooleanField(help_text="已过上级时限且尚未回传结果")
    last_callback = CallbackOut(allow_null=True)


def upper_level_data(ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's ``upper_level`` for the API, or None (no query unless channel ``transfer``)."""
    shown = upper_level_of(ticket)
    return dict(UpperLevelOut(shown.as_dict()).data) if shown is not None else None
