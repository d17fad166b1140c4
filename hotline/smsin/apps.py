from django.apps import AppConfig


class SmsinConfig(AppConfig):
    name = "hotline.smsin"
    label = "smsin"
    verbose_name = "短信受理"
