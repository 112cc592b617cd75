from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Modules that need the models: importable only once every app is loaded.
        from cases.selectors import authorities_of_young_people
        from yourchoice import audit

        # Audit events about a young person are stamped with the authority holding the record.
        audit.authorities_of_young_people = authorities_of_young_people
