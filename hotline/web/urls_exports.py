"""Routes of the export pages (导出), in the workbench's ``web`` namespace."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import exports

urlpatterns: list[URLPattern | URLResolver] = [
    path("exports/", exports.export_list, name="export-list"),
    path("exports/new/<slug:source>/", exports.export_new, name="export-new"),
    path("exports/<int:pk>/", exports.export_detail, name="export"),
    path("exports/<int:pk>/progress/", exports.export_progress, name="export-progress"),
    path("exports/<int:pk>/file/", exports.export_download, name="export-file"),
]
