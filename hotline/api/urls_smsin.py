"""``/api/v1/sms/inbound/``: upstream SMS pushed by the provider (``hotline.api.smsin``)."""

from django.urls import path

from hotline.api import smsin

urlpatterns = [
    # the provider's console takes the URL as typed: without the slash too (a POST is not
    # redirected), described once in the schema
    path("sms/inbound/aliyun/", smsin.AliyunSmsUpView.as_view(), name="sms-inbound-aliyun"),
    path("sms/inbound/aliyun", smsin.AliyunSmsUpView.as_view(schema=None)),
]
