from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hotline.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from hotline.core import checks  # noqa: F401  (registers the system checks)
