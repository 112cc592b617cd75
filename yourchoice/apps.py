from django.apps import AppConfig


class YourChoiceConfig(AppConfig):
    name = "yourchoice"
    verbose_name = "Service"

    def ready(self) -> None:
        from yourchoice import checks, tripwire  # noqa: F401  (registers checks, installs guard)
