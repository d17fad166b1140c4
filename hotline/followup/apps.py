from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "hotline.followup"
    label = "followup"
    verbose_name = "催办与回访"
