from django.urls import URLPattern, path

from hotline.api import reports

urlpatterns: list[URLPattern] = [
    path("", reports.DocumentListView.as_view(), name="report-documents"),
    path("<int:pk>/", reports.DocumentDetailView.as_view(), name="report-document"),
    path("<int:pk>/<str:fmt>/", reports.DocumentFileView.as_view(), name="report-document-file"),
]
