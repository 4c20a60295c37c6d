from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Five stages (五共)")

    def ready(self):
        from django.contrib.auth import get_user_model

        from organizations.models import Area, Highlight, Membership, Organization, Person
        from wuhgong import checks  # noqa: F401 - registers the deploy checks

        from . import aggregates, kept_pages, models

        aggregates.keep_versions_per_request()
        models.meetings.follow_area_codes()
        aggregates.watch(
            Area,
            # The territory pages keep their towns' brands and villages' features.
            Highlight,
            Organization,
            Person,
            models.Meeting,
            # Meeting pages list them.
            models.Attachment,
            models.Proposal,
            models.ProposalStatusChange,
            models.Project,
            models.FundingLine,
            models.ProjectUpdate,
            models.Stewardship,
            models.StewardshipLog,
            models.Evaluation,
            models.Outcome,
            models.Target,
        )
        # Names a kept page may show from another county (consultations/kept_pages.py).
        kept_pages.watch_names(Area, Organization, Person, Membership, get_user_model())
