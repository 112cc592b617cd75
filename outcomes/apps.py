from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        # Modules that need the models: importable only once every app is loaded.
        from outcomes.models import MeasureDefinition
        from outcomes.selectors import forget_definitions

        # A definition changed in the admin takes effect at once in this process.
        post_save.connect(forget_definitions, sender=MeasureDefinition)
        post_delete.connect(forget_definitions, sender=MeasureDefinition)
