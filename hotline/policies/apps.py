from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "hotline.policies"
    label = "policies"
    verbose_name = "政策包"
