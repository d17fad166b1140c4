"""The shapes of a response-script walk (规范应答), shared by ``POST /api/v1/kb/scripts/{id}/walk/``
and ticket creation's ``answer_script``. A leaf module: ``serializers`` and ``knowledge`` both
import it, and it imports neither.

The answers are handed to the domain as sent (``knowledge.rules.read_answers``): it alone
says what is missing (``answers_incomplete``) or unknown (``invalid_answers``), and it wants
real booleans, so ``"true"`` or ``1`` are not read as yes.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

ANSWERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {"type": "boolean"},
    "description": "询问要点编号 → 诉求人的回答(true 是 / false 否);每个要点都要回答",
    "example": {"1": True, "2": False, "3": False},
}


@extend_schema_field(ANSWERS_SCHEMA)
class AnswersField(serializers.JSONField):
    """``{"1": true, "2": false}``: checked by the domain, not here (see the module's note)."""


class PromisedOut(serializers.Serializer[Any]):
    amount = serializers.IntegerField()
    unit = serializers.CharField(help_text="working_days | natural_days | working_hours | hours")
    label = serializers.CharField(help_text="如“2个工作日”")  # type: ignore[assignment]
    due_at = serializers.DateTimeField(allow_null=True, help_text="承诺答复的到期时间")


class NoteOut(serializers.Serializer[Any]):
    situation = serializers.CharField()
    text = serializers.CharField()


class WalkOut(serializers.Serializer[Any]):
    """``knowledge.walks.Walk.as_dict()``: the outcome the answers lead to."""

    script = serializers.IntegerField()
    outcome = serializers.ChoiceField(
        choices=["close", "dispatch"], help_text="close 直接办结 / dispatch 派单"
    )
    label = serializers.CharField(help_text="判断定位")  # type: ignore[assignment]
    wording = serializers.CharField(help_text="解释口径(向诉求人宣读)")
    notes = NoteOut(many=True, help_text="补充口径")
    category = serializers.CharField(allow_null=True, help_text="脚本的诉求分类编码")
    unit = serializers.CharField(allow_null=True, help_text="派单时的承办单位编码")
    promised = PromisedOut(allow_null=True, help_text="派单时承诺的答复时限;直接办结时为 null")
