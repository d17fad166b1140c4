"""Routes of the assessment pages (考核), in the workbench's ``web`` namespace."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import assessment

urlpatterns: list[URLPattern | URLResolver] = [
    path("assessment/", assessment.ranking_page, name="assessment"),
    path("assessment/ranking.xlsx", assessment.ranking_download, name="assessment-xlsx"),
    path("assessment/units/<str:code>/", assessment.unit_page, name="assessment-unit"),
    path("assessment/handlers/<str:username>/", assessment.handler_page, name="assessment-handler"),
]
