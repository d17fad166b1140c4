"""``/api/v1/assessment/``: unit and handler scorecards and their rankings."""

from django.urls import URLPattern, path

from hotline.api import assessment

urlpatterns: list[URLPattern] = [
    path("units/", assessment.UnitRankingView.as_view(), name="assessment-units"),
    path("units/<str:code>/", assessment.UnitCardView.as_view(), name="assessment-unit"),
    path("handlers/", assessment.HandlerRankingView.as_view(), name="assessment-handlers"),
    path("handlers/<str:username>/", assessment.HandlerCardView.as_view(), name="assessment-handler"),
]
