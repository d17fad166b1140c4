from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hotline.web"
    label = "web"
    verbose_name = "工作台"

    def ready(self) -> None:
        from hotline.web import exports  # noqa: F401  # registers the worklist export source
