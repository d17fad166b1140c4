from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "hotline.telephony"
    label = "telephony"
    verbose_name = "电话与座席"
