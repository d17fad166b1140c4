"""``/api/v1/tickets/{number}/dispatch-suggestion/`` (``hotline.api.dispatch_suggest``)."""

from django.urls import URLPattern, re_path

from hotline.api import dispatch_suggest

urlpatterns: list[URLPattern] = [
    re_path(
        r"^tickets/(?P<number>[0-9]{6,20})/dispatch-suggestion/$",
        dispatch_suggest.DispatchSuggestionView.as_view(),
        name="ticket-dispatch-suggestion",
    ),
]
