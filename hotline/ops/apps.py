from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "hotline.ops"
    label = "ops"
    verbose_name = "运维"
