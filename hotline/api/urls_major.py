"""``/api/v1/tickets/{number}/major/`` (``hotline.api.major``)."""

from django.urls import URLPattern, re_path

from hotline.api import major

urlpatterns: list[URLPattern] = [
    re_path(r"^tickets/(?P<number>[0-9]{6,20})/major/$", major.MarkMajorView.as_view(), name="ticket-major"),
]
