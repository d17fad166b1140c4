"""``/api/v1/``: the phone — PBX events, the call log, the agent's state, callback tasks
(``hotline.api.cti``, ``hotline.api.calls``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from hotline.api import call_control, calls, cti

router = SimpleRouter(trailing_slash=True)
router.register("calls", calls.CallViewSet, basename="call")
router.register("callbacks", calls.CallbackViewSet, basename="callback")

urlpatterns = [
    # Zammad's URL has no trailing slash; one is accepted too (a PBX's POST is not redirected),
    # described once in the schema
    path("cti/<str:token>", cti.CtiEventView.as_view(), name="cti-event"),
    path("cti/<str:token>/", cti.CtiEventView.as_view(schema=None)),
    path("agents/me/state/", calls.AgentStateView.as_view(), name="agent-state"),
    path("agents/me/sign-in/", calls.AgentSignInView.as_view(), name="agent-sign-in"),
    path("agents/me/sign-out/", calls.AgentSignOutView.as_view(), name="agent-sign-out"),
    *call_control.urlpatterns,  # transfer, invite, hold, resume, pickup, ringing, autodial
    *router.urls,
]
