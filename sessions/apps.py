from django.apps import AppConfig


class CoachingConfig(AppConfig):
    # "sessions" is taken by django.contrib.sessions, so this app's label is "coaching".
    name = "sessions"
    label = "coaching"
    verbose_name = "Coaching sessions"
