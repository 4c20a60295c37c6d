from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Five stages (五共)")

    def ready(self):
        from wuhgong import checks  # noqa: F401 - registers the deploy checks
