from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "hotline.exports"
    label = "exports"
    verbose_name = "导出"
