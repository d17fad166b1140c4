from django.apps import AppConfig


class CallersConfig(AppConfig):
    name = "hotline.callers"
    label = "callers"
    verbose_name = "来电人与黑名单"
