from django.apps import AppConfig


class YourChoiceConfig(AppConfig):
    name = "yourchoice"
    verbose_name = "Service"

    def ready(self) -> None:
        # Imported for its side effect: registering the system checks once the apps are loaded.
        from yourchoice import checks  # noqa: F401
