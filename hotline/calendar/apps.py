from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "hotline.calendar"
    label = "workcal"
    verbose_name = "工作日历"
