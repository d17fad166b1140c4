from django.apps import AppConfig


class MailinConfig(AppConfig):
    name = "hotline.mailin"
    label = "mailin"
    verbose_name = "邮件受理"
