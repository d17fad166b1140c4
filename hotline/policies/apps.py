from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "hotline.policies"
    label = "policies"
    verbose_name = "政策包"

    def ready(self) -> None:
        from hotline.policies import checks  # noqa: F401 - registers the system check
