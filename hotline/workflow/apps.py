from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "hotline.workflow"
    label = "workflow"
    verbose_name = "流程"
