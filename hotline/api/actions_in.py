"""Action requests: one input shape per action, derived from ``workflow.params.ACTION_PARAMS``
(OpenAPI ``oneOf`` on ``action``; a parameter the action does not take is refused)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

# every action the API accepts: the packs' actions plus those governed by the engine (unmask)
from hotline.api.serializers import ACTIONS, StrictSerializer, Text
from hotline.tickets.models import (
    Satisfaction,
)
from hotline.workflow.params import Param, params_of


def _param_field(param: Param, *, for_schema: bool) -> serializers.Field[Any, Any, Any, Any]:
    """One action parameter as a request field. At run time every parameter is optional here
    and the action's handler refuses what is missing with its own code (``result_required``);
    the schema marks the required ones."""
    required = param.required and for_schema
    help_text = f"{param.label}{(':' + param.help) if param.help else ''}"
    if param.kind == "amount":
        return serializers.IntegerField(required=required, min_value=1, max_value=1000, help_text=help_text)
    if param.kind == "satisfaction":
        return serializers.ChoiceField(choices=Satisfaction.choices, required=required, help_text=help_text)
    if required:
        return serializers.CharField(max_length=param.max_length, allow_blank=False, help_text=help_text)
    return Text(max_length=param.max_length, help_text=help_text)


def _action_serializer(action: str, *, for_schema: bool) -> type[StrictSerializer]:
    fields: dict[str, Any] = {
        "action": serializers.ChoiceField(choices=[action]),
        "version": serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=2**31 - 1,
            help_text="调用方看到的工单版本;与当前不符时返回409",
        ),
    }
    for param in params_of(action):
        fields[param.name] = _param_field(param, for_schema=for_schema)
    name = "".join(part.title() for part in action.split("_")) + ("ActionIn" if for_schema else "ActionRun")
    return type(name, (StrictSerializer,), fields)


# One request shape per action, derived from ``workflow.params.ACTION_PARAMS``.
ACTION_INPUTS: dict[str, type[StrictSerializer]] = {
    a: _action_serializer(a, for_schema=False) for a in ACTIONS
}
ActionIn = PolymorphicProxySerializer(
    component_name="ActionIn",
    serializers={a: _action_serializer(a, for_schema=True) for a in ACTIONS},
    resource_type_field_name="action",
)


class ActionChoice(StrictSerializer):
    """The first look at an action request: which action (the rest depends on it)."""

    action = serializers.ChoiceField(choices=ACTIONS)

    def to_internal_value(self, data: Any) -> Any:
        # only ``action`` is read here; the action's own shape checks the rest
        if isinstance(data, Mapping):
            data = {"action": data.get("action")}
        return super().to_internal_value(data)


def action_input(data: Any) -> dict[str, Any]:
    """The validated body of an action request: its action's parameters and the version."""
    choice = ActionChoice(data=data)
    choice.is_valid(raise_exception=True)
    form = ACTION_INPUTS[choice.validated_data["action"]](data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)
