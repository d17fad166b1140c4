"""Routes of the call-centre floor (issue 13): 班长席, 大屏, their live stream, the team
leader's actions, and the agent's 转满意度评价."""

from django.urls import URLPattern, URLResolver, path, re_path

from hotline.web.views import floor

urlpatterns: list[URLPattern | URLResolver] = [
    path("floor/", floor.panel, name="floor"),
    path("floor/wallboard/", floor.board, name="floor-wallboard"),
    path("floor/live/", floor.fragment, name="floor-fragment"),
    path("floor/events/", floor.events, name="floor-events"),
    re_path(r"^floor/agents/(?P<pk>[0-9]{1,10})/(?P<kind>[a-z]{1,16})/$", floor.act, name="floor-act"),
    re_path(r"^calls/(?P<pk>[0-9]{1,10})/survey/$", floor.call_survey, name="call-survey"),
]
