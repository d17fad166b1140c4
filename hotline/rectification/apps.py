from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "hotline.rectification"
    label = "rectification"
    verbose_name = "整改"
