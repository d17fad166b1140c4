"""``/api/v1/``: the call-centre floor (``hotline.api.floor``) — the wallboard, a team
leader's actions on an agent, the agent's 转满意度评价."""

from django.urls import URLPattern, URLResolver, path, re_path

from hotline.api import floor

ID = r"(?P<pk>[0-9]{1,10})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("floor/wallboard/", floor.WallboardView.as_view(), name="floor-wallboard"),
    re_path(rf"^floor/agents/{ID}/actions/$", floor.AgentActionView.as_view(), name="floor-agent-action"),
    re_path(rf"^calls/{ID}/survey/$", floor.CallSurveyView.as_view(), name="call-survey"),
]
