"""Deployment checks of our own, run by ``manage.py check --deploy``."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Several processes (app servers, workers) need one cache between them: the figures
    kept until the data change rely on every process seeing the same versions
    (docs/deploy.md)."""
    if "locmem" not in settings.CACHES["default"]["BACKEND"]:
        return []
    return [
        Warning(
            "The cache is local to each process (CACHE_URL is unset or locmem).",
            hint=(
                "With more than one process, figures computed in one process stay stale in "
                "the others after a change. Set CACHE_URL to Redis, e.g. "
                "redis://127.0.0.1:6379/1, or leave it unset for the database's cache table."
            ),
            id="wuhgong.W001",
        )
    ]
