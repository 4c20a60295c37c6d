"""Staff pages of the five stages. Each stage family's views live in consultations/views/."""

from django.urls import path

from .views import (
    dashboard,
    evaluations,
    exports,
    imports,
    matters,
    meetings,
    outcomes,
    projects,
    proposals,
    reports,
    stewardship,
    territory,
)

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # Territory, organizations and people, with the matters they took part in
    path("areas/", territory.area_home, name="area_home"),
    path("areas/<str:code>/", territory.area_detail, name="area_detail"),
    path("people/<int:pk>/", territory.person_detail, name="person_detail"),
    path("organizations/<int:pk>/", territory.organization_detail, name="organization_detail"),
    # 共谋 meetings
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/calendar/", meetings.meeting_calendar, name="meeting_calendar"),
    path("meetings/feed/<str:token>.ics", meetings.meeting_feed, name="meeting_feed"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/minutes/", meetings.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/history/", meetings.meeting_history, name="meeting_history"),
    path("attachments/<int:pk>/", meetings.attachment_file, name="attachment_file"),
    # 共谋 proposals and their decisions
    path("proposals/", proposals.proposal_list, name="proposal_list"),
    path("proposals/board/", proposals.proposal_board, name="proposal_board"),
    path("meetings/<int:pk>/proposals/new/", proposals.proposal_create, name="proposal_create"),
    # One form page per decision step: proposal_deliberate, proposal_adopt, proposal_reject,
    # proposal_refer, proposal_reply, proposal_feedback.
    *(
        path(
            f"proposals/<int:pk>/{name}/",
            proposals.proposal_step,
            {"step_name": name},
            name=f"proposal_{name}",
        )
        for name in proposals.STEPS
    ),
    # 共建 共管 共评 共享 projects and what follows them
    path("projects/", projects.project_list, name="project_list"),
    path("projects/new/", projects.project_create, name="project_create"),
    path("projects/new/proposals/", projects.proposal_choices, name="proposal_choices"),
    path("projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project_edit"),
    path("projects/<int:pk>/history/", projects.project_history, name="project_history"),
    path("projects/<int:pk>/progress/new/", projects.progress_create, name="progress_create"),
    path("projects/<int:pk>/complete/", projects.project_complete, name="project_complete"),
    path("progress/<int:pk>/photo/", projects.progress_photo, name="progress_photo"),
    path(
        "projects/<int:pk>/stewardships/new/",
        stewardship.stewardship_create,
        name="stewardship_create",
    ),
    path("stewardships/<int:pk>/edit/", stewardship.stewardship_edit, name="stewardship_edit"),
    path(
        "stewardships/<int:pk>/log/new/",
        stewardship.stewardship_log_create,
        name="stewardship_log_create",
    ),
    path(
        "projects/<int:pk>/evaluations/new/",
        evaluations.evaluation_create,
        name="project_evaluation_create",
    ),
    path("evaluations/<int:pk>/edit/", evaluations.evaluation_edit, name="project_evaluation_edit"),
    path("projects/<int:pk>/outcome/", outcomes.outcome_edit, name="outcome_edit"),
    path("projects/<int:pk>/outcome/publish/", outcomes.outcome_publish, name="outcome_publish"),
    path(
        "projects/<int:pk>/outcome/unpublish/",
        outcomes.outcome_unpublish,
        name="outcome_unpublish",
    ),
    # 一事一档 the matter page
    path("matters/<int:pk>/", matters.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/history/", matters.matter_history, name="matter_history"),
    # reports: figures for an area and a period, on the page and as a workbook
    path("reports/", reports.report, name="report"),
    path("reports/export.xlsx", reports.report_workbook, name="report_workbook"),
    # exports and imports (Excel and CSV)
    *(
        path(f"{stage}/export.{fmt}", view, {"fmt": fmt}, name=f"{stage[:-1]}_export_{fmt}")
        for stage, view in [
            ("meetings", exports.meeting_export),
            ("proposals", exports.proposal_export),
            ("projects", exports.project_export),
            ("evaluations", exports.evaluation_export),
            ("outcomes", exports.outcome_export),
        ]
        for fmt in (exports.CSV, exports.XLSX)
    ),
    path("meetings/import/", imports.meeting_import, name="meeting_import"),
    path("meetings/import/confirm/", imports.meeting_import_confirm, name="meeting_import_confirm"),
    path(
        "meetings/import/template.xlsx",
        imports.meeting_import_template,
        name="meeting_import_template",
    ),
]
