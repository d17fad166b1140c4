from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "hotline.api"
    label = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        from hotline.api import schema  # noqa: F401  (registers the OpenAPI extensions)
