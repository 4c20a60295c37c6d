"""村务公开: what the public board may show.

What is public is decided here, once, by the flags staff set: a project marked public on
the village board, a published outcome, a meeting whose summary is public, a photo marked
public under a public project or public meeting. Every public page and the sitemap build
their querysets from these functions, so a draft cannot appear through one page and not
another.

"""

from django.db.models import Q

from organizations.models import AreaLevel

from .models import Attachment, AttachmentKind, Meeting, Outcome, Project, ProjectUpdate, Proposal

# -- what is public --------------------------------------------------------------------------


def public_projects():
    """Projects staff marked public on the village board."""
    return Project.objects.filter(is_public=True)


def published_outcomes():
    """Outcomes staff published (公示)."""
    return Outcome.objects.filter(is_published=True)


# A matter (one proposal's chain) is published when its project is public or its outcome is
# published: both need a project, so a matter still in 共谋 is never public.
MATTER_IS_PUBLISHED = Q(project__is_public=True) | Q(project__outcome__is_published=True)


def published_matters():
    """Proposals whose chain the public may follow (see MATTER_IS_PUBLISHED)."""
    return Proposal.objects.filter(MATTER_IS_PUBLISHED)


def published_projects():
    """Projects whose matter is published (public, or with a published outcome): their
    evaluations, stewardship and stage states may show, their details only when public."""
    return Project.objects.filter(Q(is_public=True) | Q(outcome__is_published=True))


def public_meetings():
    """Meetings whose summary (title, date, format, agenda) staff marked public."""
    return Meeting.objects.filter(summary_is_public=True)


def public_meeting_photos():
    """Meeting photos marked public, of meetings whose summary is public."""
    return Attachment.objects.filter(
        is_public=True, kind=AttachmentKind.PHOTO, meeting__summary_is_public=True
    )


def public_progress_photos():
    """Progress photos marked public, of projects that are public."""
    return ProjectUpdate.objects.filter(photo_is_public=True, project__is_public=True).exclude(
        photo=""
    )


def board_filter(area, lookup):
    """Records that appear on ``area``'s own board, reached through ``lookup`` (the area's
    code field, e.g. "project__area__code").

    A village's board holds what belongs to it and its hamlets (hamlets have no board); a
    town's or county's board holds what belongs to that level itself, such as a town road
    gathering several villages' proposals. Everything below a town shows on its own board.
    """
    if area.level >= AreaLevel.VILLAGE:
        return Q(**{f"{lookup}__startswith": area.code})
    return Q(**{lookup: area.code})


def board_code(code):
    """The code of the board that shows a record of the area with this code."""
    return code[:12] if len(code) > 12 else code
