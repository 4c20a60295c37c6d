# ruff: noqa: S608  (cleanup's SQL names tables from the models; values go as parameters)
"""Benchmark of the meeting exports (CSV streamed, xlsx) and of the meeting import.

Not part of `make test`. It writes to the configured database, under a county of its own
(code 429901) that it removes afterwards:

    createdb -h 127.0.0.1 -U postgres wuhgong_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wuhgong_bench SECRET_KEY=x DEBUG=0
    .venv/bin/python manage.py migrate
    .venv/bin/python devtools/bench/exports.py --rows 100000
    .venv/bin/python devtools/bench/exports.py --rows 1000000 --skip-xlsx   # the million
    .venv/bin/python devtools/bench/exports.py --rows 0 --import-rows 5000   # import only

``--existing`` measures the exports of the rows already in the database instead, reading
only (nothing seeded, nothing removed), as a province-wide superuser; ``--what`` picks the
export and ``--rows`` limits the rows (0: all of them), e.g. on the province of
``manage.py seed_scale``:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wuhgong_bench_1m SECRET_KEY=x DEBUG=0
    .venv/bin/python devtools/bench/exports.py --existing --rows 0 --skip-xlsx --skip-trace
    .venv/bin/python devtools/bench/exports.py --existing --what proposals --rows 0 --skip-xlsx
    .venv/bin/python devtools/bench/exports.py --existing --rows 100000 --skip-csv

Each measurement runs in a fresh Python process, so that its peak resident memory
(VmHWM, reset just before it starts) belongs to it alone; "growth" is that peak minus the
process's size when the measurement starts. A second CSV run under tracemalloc reports the
peak of Python allocations.
"""

import argparse
import datetime as dt
import io
import json
import os
import resource
import subprocess  # nosec B404
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COUNTY = "429901"
TOWNS = 10
VILLAGES_PER_TOWN = 10
BATCH = 10_000


def setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wuhgong.settings")
    import django

    django.setup()


def rss_mb():
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def superuser():
    from organizations.models import User

    user, _ = User.objects.get_or_create(
        username="export-bench", defaults={"is_superuser": True, "is_active": False}
    )
    return user


def villages():
    from organizations.models import Area, AreaLevel

    county, _ = Area.objects.get_or_create(
        code=COUNTY, defaults={"name": "基准县", "level": AreaLevel.COUNTY}
    )
    result = []
    for t in range(TOWNS):
        town, _ = Area.objects.get_or_create(
            code=f"{COUNTY}{100 + t:03d}",
            defaults={"name": f"基准镇{t}", "level": AreaLevel.TOWN, "parent": county},
        )
        for v in range(VILLAGES_PER_TOWN):
            village, _ = Area.objects.get_or_create(
                code=f"{town.code}{200 + v:03d}",
                defaults={"name": f"基准村{t}-{v}", "level": AreaLevel.VILLAGE, "parent": town},
            )
            result.append(village)
    return county, result


def seed(rows):
    """``rows`` meetings over the bench county's villages, half with an attending unit."""
    from django.db import connection
    from django.utils import timezone

    from consultations.models import Meeting, MeetingFormat
    from organizations.models import Organization, OrganizationKind

    _county, areas = villages()
    units = [
        Organization.objects.get_or_create(
            area=area, name=f"{area.name}村民理事会", defaults={"kind": OrganizationKind.OTHER}
        )[0]
        for area in areas
    ]
    through = Meeting.attending_organizations.through
    start = timezone.make_aware(dt.datetime(2015, 1, 1, 19, 30))
    formats = list(MeetingFormat.values)
    started = time.perf_counter()
    for first in range(0, rows, BATCH):
        batch = Meeting.objects.bulk_create(
            Meeting(
                format=formats[i % len(formats)],
                title=f"第{i}次村民议事会：通组路硬化与路灯安装",
                area=areas[i % len(areas)],
                county_code=areas[i % len(areas)].code[:6],
                place="村委会会议室",
                starts_at=start + dt.timedelta(minutes=7 * i),
                attendance_total=40,
                attendance_party_member=6,
                attendance_villager=30,
                agenda="一、通组路硬化方案；二、路灯安装位置；三、筹资投劳办法。",
            )
            for i in range(first, min(first + BATCH, rows))
        )
        through.objects.bulk_create(
            through(meeting_id=m.pk, organization_id=units[j % len(units)].pk)
            for j, m in enumerate(batch)
            if j % 2 == 0
        )
    seconds = time.perf_counter() - started
    # Fresh statistics, as autovacuum would soon give them: with the planner's guess for an
    # empty table, the attending organizations' subquery is planned as a scan per meeting.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return seconds


def cleanup():
    """Remove the bench county and everything in it. Plain SQL: the ORM's delete would
    write a history row for each of a million meetings."""
    from django.db import connection, transaction

    from consultations.models import Meeting, Proposal, ProposalStatusChange
    from organizations.models import Area, Organization, User

    area = Area._meta.db_table
    meeting = Meeting._meta.db_table
    proposal = Proposal._meta.db_table
    # Table names from the models; the county's code goes as a parameter.
    in_county = f"area_id IN (SELECT id FROM {area} WHERE code LIKE %s)"  # nosec B608
    of_meetings = f"meeting_id IN (SELECT id FROM {meeting} WHERE {in_county})"  # nosec B608
    statements = [
        (
            ProposalStatusChange,
            f"proposal_id IN (SELECT id FROM {proposal} WHERE {of_meetings})",  # nosec B608
        ),
        (Proposal.history.model, of_meetings),
        (Proposal, of_meetings),
        (Meeting.attending_organizations.through, of_meetings),
        (Meeting.history.model, in_county),
        (Meeting, in_county),
        (Organization, in_county),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for model, where in statements:
            delete = f"DELETE FROM {model._meta.db_table} WHERE {where}"  # nosec B608
            cursor.execute(delete, [f"{COUNTY}%"])
    area_ids = list(Area.objects.filter(code__startswith=COUNTY).values_list("pk", flat=True))
    for level in (3, 2, 1):
        Area.objects.filter(pk__in=area_ids, level=level).delete()
    User.objects.filter(username="export-bench").delete()


def reset_peak_rss():
    """Start the process's peak resident size (VmHWM) afresh, so that the peak read after a
    measurement is that measurement's own, not left over from starting Django (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def peak_rss_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss_mb()


def current_rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return rss_mb()


def existing(what, rows):
    """(columns, queryset) of an export of the rows already there, as a
    province-wide superuser who is not saved (nothing is written)."""
    from consultations import resources
    from consultations.models import Evaluation, Meeting, Outcome, Project, Proposal
    from organizations.models import User

    user = User(username="export-bench", is_superuser=True)
    model, columns, order = {
        "meetings": (Meeting, resources.MEETING_COLUMNS, ("-starts_at", "-id")),
        "proposals": (Proposal, resources.PROPOSAL_COLUMNS, ("-created_at", "-id")),
        "projects": (Project, resources.PROJECT_COLUMNS, ("-created_at", "-id")),
        "evaluations": (Evaluation, resources.EVALUATION_COLUMNS, ("-evaluated_on", "-id")),
        "outcomes": (
            Outcome,
            resources.OUTCOME_COLUMNS,
            ("project__area__code", "-disclosed_on", "-id"),
        ),
    }[what]
    queryset = model.objects.visible_to(user).order_by(*order)
    return columns, queryset[:rows] if rows else queryset


def measure(kind, trace, what=None, rows=0):
    """One export, in this process: time, rows, bytes, peak memory. ``what``: an export of
    the rows already in the database (``existing``) rather than of the bench county."""
    from django.utils import translation

    from consultations.models import Meeting
    from consultations.resources import MEETING_COLUMNS
    from core.spreadsheets import csv_response, xlsx_response
    from organizations.models import Area

    translation.activate("zh-hans")
    if what:
        resource_, meetings = existing(what, rows)
    else:
        county = Area.objects.get(code=COUNTY)
        meetings = (
            Meeting.objects.visible_to(superuser()).within(county).order_by("-starts_at", "-id")
        )
        resource_ = None
    baseline = current_rss_mb()
    reset_peak_rss()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    resource_ = resource_ or MEETING_COLUMNS
    if kind == "csv":
        response = csv_response(resource_, meetings, "会议")
    else:
        response = xlsx_response([("会议", resource_, meetings)], "会议")
    first_byte = None
    size = lines = 0
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        # Records end with CR LF; a line break inside a cell is a bare LF (or CR LF typed
        # into the text, which would be counted here too).
        lines += chunk.count(b"\r\n")
    response.close()
    elapsed = time.perf_counter() - started
    result = {
        "kind": kind,
        "seconds": round(elapsed, 2),
        "first_byte_s": round(first_byte or 0, 2),
        "bytes": size,
        "rss_before_mb": round(baseline, 1),
        "rss_peak_mb": round(peak_rss_mb(), 1),
        "rss_growth_mb": round(peak_rss_mb() - baseline, 1),
    }
    if kind == "csv":
        result["rows"] = lines - 1
    if what:
        result["what"] = what
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        result["python_heap_peak_mb"] = round(peak / 2**20, 1)
    return result


def measure_import(rows):
    """Build an xlsx of ``rows`` new meetings (one proposal each), preview it, import it."""
    from django.utils import translation
    from openpyxl import Workbook

    from consultations.importing import read_workbook, run_import
    from consultations.resources import MeetingResource, ProposalResource

    translation.activate("zh-hans")
    _county, areas = villages()
    user = superuser()
    book = Workbook(write_only=True)
    meetings = book.create_sheet("会议")
    proposals = book.create_sheet("建议")
    meeting_fields = list(MeetingResource.Meta.fields)
    proposal_fields = list(ProposalResource.Meta.fields)
    meetings.append(MeetingResource().headers())
    proposals.append(ProposalResource().headers())
    start = dt.datetime(2014, 1, 1, 19, 30)
    for i in range(rows):
        area = areas[i % len(areas)]
        when = start + dt.timedelta(hours=i)
        title = f"历史会议{i}"
        meeting = {
            "area": area.code,
            "area_name": area.name,
            "format": "屋场会",
            "title": title,
            "starts_at": when,
            "attendance_total": 30,
            "attendance_party_member": 5,
            "attendance_villager": 25,
        }
        meetings.append([meeting.get(name) for name in meeting_fields])
        proposal = {
            "meeting_area": area.code,
            "meeting_area_name": area.name,
            "meeting_starts_at": when,
            "meeting": title,
            "title": f"建议{i}",
            "category": "道路交通",
            "status": "已提出",
        }
        proposals.append([proposal.get(name) for name in proposal_fields])
    data = io.BytesIO()
    book.save(data)
    content = data.getvalue()
    baseline = current_rss_mb()
    reset_peak_rss()
    started = time.perf_counter()
    parsed = read_workbook(content)
    read_s = time.perf_counter() - started
    preview = run_import(parsed, user, commit=False)
    preview_s = time.perf_counter() - started - read_s
    if not preview.ok:
        raise RuntimeError([str(p) for p in preview.problems[:5]])
    started = time.perf_counter()
    done = run_import(read_workbook(content), user, commit=True)
    commit_s = time.perf_counter() - started
    if not done.committed:
        raise RuntimeError("the import was not committed")
    return {
        "kind": "import",
        "rows": rows,
        "file_mb": round(len(content) / 2**20, 2),
        "read_s": round(read_s, 2),
        "preview_s": round(preview_s, 2),
        "confirm_s": round(commit_s, 2),
        "rss_growth_mb": round(peak_rss_mb() - baseline, 1),
    }


def child(args):
    """Run one measurement in a fresh process; return its JSON."""
    command = [sys.executable, __file__, *args]
    # This same script, with fixed arguments: nothing from outside reaches the command.
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603  # nosec B603
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=0)
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument(
        "--skip-trace", action="store_true", help="no second CSV run under tracemalloc"
    )
    parser.add_argument("--keep", action="store_true", help="leave the bench rows in place")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="measure the exports of the rows already in the database (read only)",
    )
    parser.add_argument(
        "--what",
        choices=["meetings", "proposals", "projects", "evaluations", "outcomes"],
        default="meetings",
        help="with --existing: which export",
    )
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument("--measure", choices=["csv", "xlsx", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup()
    if args.measure == "import":
        print(json.dumps(measure_import(args.import_rows)))
        return
    if args.measure:
        what = args.what if args.existing else None
        print(json.dumps(measure(args.measure, args.trace, what, args.rows)))
        return

    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    def report(result):
        if result["kind"] in ("csv", "xlsx"):
            rows = result.get("rows") or args.rows
            rate = rows / result["seconds"] if result["seconds"] else 0
            result["rows_per_s"] = round(rate)
        print(json.dumps(result, ensure_ascii=False), flush=True)

    if args.existing:
        extra = ["--existing", "--what", args.what, "--rows", str(args.rows)]
        if not args.skip_csv:
            report(child(["--measure", "csv", *extra]))
            if not args.skip_trace:
                report(child(["--measure", "csv", "--trace", *extra]))
        if not args.skip_xlsx:
            report(child(["--measure", "xlsx", *extra]))
        return

    cleanup()

    try:
        if args.rows:
            seconds = seed(args.rows)
            print(f"seeded {args.rows:,} meetings in {seconds:.1f} s", flush=True)
            if not args.skip_csv:
                report(child(["--measure", "csv"]))
            if not args.skip_trace and not args.skip_csv:
                report(child(["--measure", "csv", "--trace"]))
            if not args.skip_xlsx:
                report(child(["--measure", "xlsx"]))
        if args.import_rows:
            report(child(["--measure", "import", "--import-rows", str(args.import_rows)]))
    finally:
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
