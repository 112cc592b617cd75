from django.apps import AppConfig


class DevToolsConfig(AppConfig):
    name = "devtools"
    verbose_name = "Developer tools"
