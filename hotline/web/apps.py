from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hotline.web"
    label = "web"
    verbose_name = "工作台"

    def ready(self) -> None:
        from hotline.web import exports, exports_call_stats, exports_calls  # noqa: F401  # register the export sources
