"""The report pages: figures for an area and a period, with charts, and the same report as
a formatted workbook for upward reporting.

The figures come from the cache while no record they read has changed (``cached_report``):
the page and the workbook of the same area and period share them, and the page says when
they were computed.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consultations.forms.reports import RANK_CHOICES, ReportFilterForm
from consultations.models import TargetMetric
from consultations.reports import Scope, cached_report, charts
from consultations.reports.labels import FIVE_STAGES, FUNNEL_STAGES, PROGRESS_BUCKETS, TARGET_STATUS
from consultations.reports.workbook import build_workbook
from core.templatetags.wuhgong import amount, money, pct
from organizations.models import CODE_LENGTH, Area, AreaLevel
from organizations.scoping import get_object_for_user_or_404, sees_everything, user_area

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_area(request):
    """The area asked for (by division code) if the user may see it, else 404; by default
    the user's own area, or the first county for an administrator."""
    code = request.GET.get("area", "").strip()
    if code:
        if not (code.isascii() and code.isdigit()) or len(code) > 15:
            raise Http404
        return get_object_for_user_or_404(Area.objects.all(), request.user, code=code)
    area = user_area(request.user)
    if area is None and sees_everything(request.user):
        area = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
    if area is None:
        raise Http404
    return area


def _report(request):
    area = _report_area(request)
    form = ReportFilterForm(request.GET, user=request.user, area=area)
    if not form.is_valid():
        return area, form, None
    scope = Scope(
        user=request.user,
        area=area,
        period=form.report_period,
        labour_day_yuan=form.labour_rate,
    )
    return area, form, cached_report(scope, rank_by=form.ranking_order)


def _charts(report):
    meetings, proposals, projects = report.meetings, report.proposals, report.projects
    return {
        "months": charts.column_chart(
            "chart-months",
            _("Meetings per month"),
            [
                (
                    pgettext("a month on a chart", "%(month)d") % {"month": row["month"].month},
                    row["count"],
                    str(row["count"]),
                )
                for row in meetings["by_month"]
            ],
        ),
        "formats": charts.bar_chart(
            "chart-formats",
            _("Meetings by format"),
            [(row["label"], row["count"], str(row["count"])) for row in meetings["by_format"]],
        ),
        "attendance": charts.bar_chart(
            "chart-attendance",
            _("Attendance by member category"),
            [
                (row["label"], row["count"], f"{row['count']} · {pct(row['share'])}")
                for row in meetings["by_category"]
            ],
        ),
        "statuses": charts.bar_chart(
            "chart-statuses",
            _("Proposals by status"),
            [(row["label"], row["count"], str(row["count"])) for row in proposals["by_status"]],
        ),
        "funnel": charts.bar_chart(
            "chart-funnel",
            _("How far the matters raised have come"),
            [
                (FUNNEL_STAGES[row["stage"]], row["count"], f"{row['count']} · {pct(row['share'])}")
                for row in proposals["funnel"]
            ],
            css_class="funnel",
        ),
        "projects": charts.bar_chart(
            "chart-projects",
            _("Projects by status"),
            [(row["label"], row["count"], str(row["count"])) for row in projects["by_status"]],
        ),
        "progress": charts.bar_chart(
            "chart-progress",
            _("Projects by progress"),
            [
                (PROGRESS_BUCKETS[row["key"]], row["count"], str(row["count"]))
                for row in projects["progress_buckets"]
            ],
        ),
        "funding": charts.paired_bar_chart(
            "chart-funding",
            _("Funding by source, planned and received"),
            [
                (
                    row["label"],
                    (row["planned"], row["received"]),
                    (
                        (amount(row["planned"]), amount(row["received"]))
                        if row["is_labour"]
                        else (money(row["planned"]), money(row["received"]))
                    ),
                )
                for row in projects["by_source"]
                if not row["is_labour"]
            ],
            (pgettext("funding", "Planned"), pgettext("funding", "Received")),
        ),
        "satisfaction": [
            charts.bar_chart(
                f"chart-satisfaction-{level['level']}",
                _("Satisfaction rate"),
                [
                    (row["name"] or row["_code"], row["rate"], pct(row["rate"]))
                    for row in level["rows"]
                ],
            )
            for level in report.satisfaction["by_level"]
        ],
    }


PERCENT_METRICS = {
    TargetMetric.SATISFACTION_RATE,
    TargetMetric.ADOPTION_RATE,
    TargetMetric.VILLAGER_FUNDING_SHARE,
}


def _target_rows(targets):
    """Each target with its value, actual figure and status as the page writes them."""
    rows = []
    for target in targets:
        if target.metric in PERCENT_METRICS:
            value, actual, detail = pct(target.value), pct(target.actual), ""
        elif target.metric == TargetMetric.ADOPTED_STARTED_WITHIN_DAYS:
            value = _("within %(n)s days") % {"n": amount(target.value)}
            actual = (
                "—"
                if target.actual is None
                else _("longest %(n)s days") % {"n": amount(target.actual)}
            )
            detail = _("%(late)d of %(n)d adopted proposals late") % {
                "late": target.late or 0,
                "n": target.adopted or 0,
            }
        else:
            value = amount(target.value)
            actual = "—" if target.actual is None else f"{target.actual:.2f}"
            detail = _("%(behind)d of %(n)d villages behind") % {
                "behind": target.villages_behind or 0,
                "n": target.villages or 0,
            }
        rows.append(
            {
                "row": target,
                "value": value,
                "actual": actual,
                "detail": detail,
                "status": TARGET_STATUS[target.status],
                "badge": {"met": "done", "behind": "overdue", "no_data": "not-started"}[
                    target.status
                ],
            }
        )
    return rows


def _page_context(request, area, form, report):
    visible = Area.objects.visible_to(request.user)
    context = {
        "area": area,
        "form": form,
        "report": report,
        "ancestors": list(visible.ancestors(area)) if area.level > AreaLevel.COUNTY else [],
    }
    if report is not None:
        period_query = {**report.period.query}
        if form.cleaned_data.get("labour_day_yuan") is not None:
            period_query["labour_day_yuan"] = form.cleaned_data["labour_day_yuan"]
        if form.cleaned_data.get("rank_by"):
            period_query["rank_by"] = form.cleaned_data["rank_by"]
        chart = _charts(report)
        context.update(
            charts=chart,
            funnel=[
                {**row, "label": FUNNEL_STAGES[row["stage"]], "five": FIVE_STAGES[row["stage"]]}
                for row in report.proposals["funnel"]
            ],
            progress_buckets=[
                {**row, "label": PROGRESS_BUCKETS[row["key"]]}
                for row in report.projects["progress_buckets"]
            ],
            satisfaction_levels=[
                {
                    "level": level["level"],
                    "chart": level_chart,
                    "rows": [
                        {
                            **row,
                            "code": row["_code"],
                            # Drill down only into areas of the level asked for.
                            "drill": row["_code"]
                            if len(row["_code"]) == CODE_LENGTH[level["level"]]
                            else "",
                        }
                        for row in level["rows"]
                    ],
                }
                for level, level_chart in zip(
                    report.satisfaction["by_level"], chart["satisfaction"], strict=True
                )
            ],
            ranked_by_label=dict(RANK_CHOICES)[form.ranking_order],
            targets=_target_rows(report.targets),
            period_query=urlencode(period_query),
            export_url=reverse("report_workbook")
            + "?"
            + urlencode({"area": area.code, **period_query}),
        )
    return context


def report(request):
    """The report for an area (the user's own by default) and a period (this month)."""
    area, form, built = _report(request)
    return render(
        request,
        "consultations/report.html",
        _page_context(request, area, form, built),
        status=200 if built is not None else 400,
    )


def report_workbook(request):
    """The same report as an .xlsx workbook; with invalid filters, back to the page, which
    says what is wrong."""
    area, _form, built = _report(request)
    if built is None:
        return redirect(reverse("report") + "?" + request.GET.urlencode())
    content = build_workbook(built, user=request.user, generated_at=timezone.localtime())
    response = HttpResponse(content, content_type=XLSX)
    name = f"report-{area.code}-{built.period.start:%Y%m%d}-{built.period.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
