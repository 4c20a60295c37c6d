from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared helpers; an app only so that its template tags load."""

    name = "core"
