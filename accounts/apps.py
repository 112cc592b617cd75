from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and places"

    def ready(self) -> None:
        # Modules that need the models: importable only once every app is loaded.
        from accounts import (
            access_audit,
            schema,  # noqa: F401  (registers the API's sign-in schemes)
        )

        access_audit.connect()
