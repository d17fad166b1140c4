"""The staff workbench. Two route modules, so the worklists and the ticket screens grow apart."""

from django.urls import include, path

app_name = "web"
urlpatterns = [
    path("", include("hotline.web.urls_work")),
    path("", include("hotline.web.urls_ticket")),
    path("", include("hotline.web.urls_scripts")),  # 规范应答 on the intake screen
    path("", include("hotline.web.urls_kb")),  # 知识库, scripts, phrases
    path("", include("hotline.web.urls_search")),  # one search box
    path("", include("hotline.web.urls_rectification")),  # 整改通知
    path("", include("hotline.web.urls_reports")),  # 报表中心
    path("", include("hotline.web.urls_exports")),  # 导出
    path("", include("hotline.web.urls_assessment")),  # 考核
]
