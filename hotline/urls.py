from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("hotline.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the 中文/English switch
    path("public/", include("hotline.portal.urls")),
    path("", include("hotline.ops.urls")),  # /healthz, /readyz, /metrics
    path("", include("hotline.web.urls")),
]

handler404 = "hotline.api.problems.handler404"
handler500 = "hotline.api.problems.handler500"
