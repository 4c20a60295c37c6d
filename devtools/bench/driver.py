"""The pieces of ``manage.py bench`` (``make bench``): which pages, how they are driven, how
the results are laid out. See docs/benchmarks.md for what the numbers mean.

Each page is driven by wrk over loopback against gunicorn, first with one connection, then
with several, for a fixed time; a small Lua script rotates the paths of pages that have
several (sample meetings, projects, villages…) and reports the latency percentiles as JSON.
Query counts come from Django's test client in this process, against the same database.
"""

import csv
import http.client
import io
import json
import random
import shutil
import statistics
import subprocess  # nosec B404
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from consultations.models import Meeting, MeetingFormat, Project, Proposal, ProposalStatus
from organizations.models import Area, AreaLevel, Organization, Person

# What the issue asks of each kind of page: p95 with one client, in milliseconds (a report's
# on a repeat visit; its first, cold visit is reported beside it). Throughput beside the bare
# view's is reported, not a target.
P95_TARGET_MS = {"list": 60, "detail": 60, "page": 60, "form": 100, "report": 1000}
SAMPLES = 40
DOWNLOAD_BLOCK = 1024 * 1024

LUA = r"""
local paths = {%(paths)s}
local i = 0
wrk.headers["Cookie"] = "%(cookie)s"
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %%d, "duration_us": %%d, "errors": %%d, "p50_us": %%d, ' ..
    '"p95_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Page:
    """One row of the table: a page, the paths wrk rotates through, and what it is."""

    name: str
    paths: list
    kind: str  # bare, list, detail, page, report, admin, public
    model: type | None = None
    user: str = "admin"  # admin (a province-wide superuser), county (county staff) or None


def yardstick(results, page):
    """The bare view a page is compared with: signed in for staff pages (the middleware
    loads the session and the user for both), anonymous for the public board."""
    wanted = "/bench/bare/signed-in/" if page.user is not None else "/bench/bare/"
    return next((r for r in results if r.page.paths == [wanted]), None)


@dataclass
class Run:
    """One wrk run: requests completed in the time, latency percentiles in milliseconds."""

    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Result:
    page: Page
    rows: int | None
    queries: int | None
    status: int
    bytes: int
    single: Run = field(default_factory=Run)
    several: Run = field(default_factory=Run)
    # The bare view measured right after this page (``beside``): the ratios' denominators.
    bare_single: Run | None = None
    bare_several: Run | None = None
    ratio_single: float | None = None
    ratio_several: float | None = None
    # The first request's time over HTTP, before any figure of this run is kept.
    first_ms: float | None = None

    def compare(self, bare):
        """The throughput ratios to the bare view measured beside this page, or else to
        ``bare``'s own run (the machine's speed drifts over a run of half an hour: a bare
        view measured once at the start made the ratios of the last pages move by a third)."""
        single = self.bare_single or (bare.single if bare is not None else None)
        several = self.bare_several or (bare.several if bare is not None else None)
        if single is not None and single.rps:
            self.ratio_single = self.single.rps / single.rps
        if several is not None and several.rps:
            self.ratio_several = self.several.rps / several.rps

    @property
    def target(self):
        """(p95 target in ms or None, met?) for one client."""
        limit = P95_TARGET_MS.get(self.page.kind)
        checks = []
        if limit is not None:
            checks.append(self.single.p95 is not None and self.single.p95 <= limit)
        if self.status != 200:
            checks.append(False)
        return limit, (all(checks) if checks else None)


def _sample_ids(model, n, *, rng, **filters):
    """Up to ``n`` primary keys spread over the table, without ORDER BY random() on millions:
    random keys between the smallest and largest, kept when they exist and match."""
    bounds = model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None:
        return []
    found = []
    for _attempt in range(20):
        guesses = {rng.randint(first, last) for _ in range(n * 8)}
        found += model.objects.filter(pk__in=guesses, **filters).values_list("pk", flat=True)
        found = sorted(set(found))
        if len(found) >= n:
            break
    rng.shuffle(found)
    return found[:n]


def _url(name, *args, **query):
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query)}" if query else path


def _exists(name, *args):
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


def build_pages(*, seed=6):
    """Every page the issue names that exists in this tree, with sample objects drawn from
    the database (the province of ``seed_scale`` when there is one)."""
    rng = random.Random(seed)  # noqa: S311 - picking sample pages, not security  # nosec B311
    counties = list(
        Area.objects.filter(level=AreaLevel.COUNTY).order_by("-code").values_list("code", "pk")
    )
    if not counties:
        raise ValueError("No county in the database: run seed_scale (or seed_demo) first.")
    county_code, county_pk = counties[0]
    # Sample counties spread over the province: seeded one after another, they differ in
    # where their rows lie in the indexes on dates (a plan fast for one may be slow for another).
    spread = counties[:: max(1, len(counties) // SAMPLES)][:SAMPLES]
    towns = list(
        Area.objects.subtree(Area(code=county_code))
        .filter(level=AreaLevel.TOWN)
        .values_list("code", flat=True)
    )
    villages = list(
        Area.objects.filter(
            level=AreaLevel.VILLAGE, pk__in=_sample_ids(Area, 400, rng=rng)
        ).values_list("code", flat=True)[:SAMPLES]
    ) or list(Area.objects.filter(level=AreaLevel.VILLAGE).values_list("code", flat=True)[:5])
    meetings = _sample_ids(Meeting, SAMPLES, rng=rng)
    matters = _sample_ids(Proposal, SAMPLES, rng=rng, project__isnull=False)
    projects = _sample_ids(Project, SAMPLES, rng=rng)
    today = timezone.localdate()
    month_start = today - timedelta(days=400)
    n_meetings = Meeting.objects.count()
    deep = max(1, min(10_000, -(-n_meetings // 25)))

    pages = [
        Page("bare view, anonymous", ["/bench/bare/"], "bare", user=None),
        Page("bare view, signed in", ["/bench/bare/signed-in/"], "bare"),
        Page("dashboard", [_url("dashboard")], "page", Meeting),
        Page("meetings: first page", [_url("meeting_list")], "list", Meeting),
        Page("meetings: one county", [_url("meeting_list", area=county_pk)], "list", Meeting),
        Page(
            "meetings: format",
            [_url("meeting_list", format=MeetingFormat.JOINT_TALK)],
            "list",
            Meeting,
        ),
        Page(
            "meetings: one month",
            [_url("meeting_list", start=month_start, end=month_start + timedelta(days=30))],
            "list",
            Meeting,
        ),
        Page("meetings: text 路灯", [_url("meeting_list", q="路灯")], "list", Meeting),
        Page(f"meetings: page {deep:,}", [_url("meeting_list", page=deep)], "list", Meeting),
        Page("meetings: county staff", [_url("meeting_list")], "list", Meeting, user="county"),
        Page("meeting calendar", [_url("meeting_calendar")], "page", Meeting),
        Page("proposals: first page", [_url("proposal_list")], "list", Proposal),
        Page(
            "proposals: referred",
            [_url("proposal_list", status=ProposalStatus.REFERRED)],
            "list",
            Proposal,
        ),
        Page("proposals: county staff", [_url("proposal_list")], "list", Proposal, user="county"),
        Page("proposal board", [_url("proposal_board")], "page", Proposal),
        Page("projects: first page", [_url("project_list")], "list", Project),
        Page("people: first page", [_url("person_list")], "list", Person),
        Page("organizations: first page", [_url("organization_list")], "list", Organization),
        Page("meeting detail", [_url("meeting_detail", pk) for pk in meetings], "detail", Meeting),
        Page("matter page", [_url("matter_detail", pk) for pk in matters], "detail", Proposal),
        Page("project detail", [_url("project_detail", pk) for pk in projects], "detail", Project),
        Page("territory: home", [_url("area_home")], "page", Area),
        Page(
            "territory: county",
            [_url("area_detail", code) for code, _pk in spread],
            "detail",
            Area,
        ),
        Page("territory: town", [_url("area_detail", code) for code in towns], "detail", Area),
        Page(
            "territory: village", [_url("area_detail", code) for code in villages], "detail", Area
        ),
    ]
    # Forms offer the areas, organizations and people of one working area (a county at most).
    pages += [
        Page(
            "form: new meeting, a county",
            [_url("meeting_create", area=code) for code, _pk in spread],
            "form",
            Organization,
        ),
        Page(
            "form: new meeting, county staff",
            [_url("meeting_create")],
            "form",
            Organization,
            user="county",
        ),
        Page(
            "form: edit a meeting", [_url("meeting_edit", pk) for pk in meetings], "form", Meeting
        ),
        Page(
            "form: new project, county staff",
            [_url("project_create")],
            "form",
            Proposal,
            user="county",
        ),
    ]
    if _exists("report"):
        pages.append(
            Page(
                "report: a county",
                [
                    _url("report", area=code)
                    for code, _pk in spread[:: max(1, len(spread) // 5)][:5]
                ],
                "report",
                Meeting,
            )
        )
    if _exists("public_index"):
        pages.append(Page("public board: home", [_url("public_index")], "public", Area, user=None))
        pages.append(
            Page(
                "public board: village",
                [reverse("public_area", kwargs={"code": code}) for code in villages],
                "public",
                Area,
                user=None,
            )
        )
    for model in (Meeting, Proposal, Project):
        meta = model._meta
        pages.append(
            Page(
                f"admin: {meta.model_name} list",
                [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")],
                "admin",
                model,
            )
        )
    return [page for page in pages if page.paths]


def count_rows(model):
    """Rows of the page's main table: exact, once per table per run."""
    return model.objects.count() if model is not None else None


def count_queries(client, path):
    """(status, bytes, SQL queries) of one GET through Django's test client."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        body = b"".join(response) if response.streaming else response.content
    return response.status_code, len(body), len(queries)


def fetch(port, path, cookie, *, timeout=120):
    """(status, bytes, seconds) of one GET over loopback, following nothing."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body), time.perf_counter() - started
    finally:
        conn.close()


def wrk(port, page, cookie, *, connections, seconds, threads=None):
    """One wrk run of ``page``; a page too slow for wrk to finish a request in the time is
    timed with three sequential requests instead."""
    threads = threads or min(connections, 2)
    paths = ", ".join(json.dumps(quote(p, safe="/?=&%:+,")) for p in page.paths)
    script = LUA % {"paths": paths, "cookie": cookie or ""}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        # wrk from Debian, on loopback, with a fixed duration: bounded by construction.
        output = subprocess.run(  # noqa: S603  # nosec B603
            [
                shutil.which("wrk") or "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "60s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        ).stdout
    finally:
        Path(handle.name).unlink()
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    run = Run(data["requests"], data["duration_us"] / 1e6, data["errors"])
    if data["requests"] >= 3:
        run.p50, run.p95, run.p99 = (data[k] / 1000 for k in ("p50_us", "p95_us", "p99_us"))
        return run
    timings = [fetch(port, page.paths[0], cookie)[2] * 1000 for _ in range(3)]
    run.requests, run.seconds = 3, sum(timings) / 1000
    run.p50, run.p95 = statistics.median(timings), max(timings)
    return run


def cpu_seconds(pids):
    """Total CPU time used so far by these processes (utime + stime), in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def settle(master_pid, *, quiet_for=1.0, at_most=120.0):
    """Wait until gunicorn and PostgreSQL are idle: wrk stops at its deadline, but the
    requests it leaves in flight go on in the workers and would slow the next page down."""
    deadline = time.monotonic() + at_most
    quiet_since = time.monotonic()
    last = cpu_seconds(worker_pids(master_pid))
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = cpu_seconds(worker_pids(master_pid))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND pid <> pg_backend_pid() AND datname = current_database()"
            )
            busy = cursor.fetchone()[0]
        if now != last or busy:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_for:
            return True
        last = now
    return False


def worker_pids(master_pid):
    """gunicorn's worker processes: the master's children."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def peak_rss_mb(pid):
    """The process's peak resident memory (VmHWM) since it started or was last reset."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss(pid):
    # Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0), so the next peak is the export's.
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_export(port, path, cookie, master_pid):
    """Download one streamed export over loopback: records (counted by a CSV reader for
    CSV), bytes, seconds, and the peak memory of the gunicorn worker that served it.

    The clock runs while the bytes arrive, written to a temporary file; the CSV records are
    counted afterwards, so that parsing them in this process (on the same cores as the
    server) is not charged to the server's rate."""
    workers = worker_pids(master_pid)
    reset = all([reset_peak_rss(pid) for pid in workers])  # noqa: C419 - reset every one
    before = {pid: peak_rss_mb(pid) for pid in workers}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    records = size = None
    cut = False
    # A download the server breaks off (gunicorn's worker timeout) counts what arrived.
    broken = (http.client.HTTPException, OSError, ValueError, csv.Error)
    with tempfile.TemporaryFile() as body:
        try:
            shutil.copyfileobj(response, body, DOWNLOAD_BLOCK)
        except http.client.IncompleteRead as exc:
            body.write(exc.partial)
            cut = True
        except broken:
            cut = True
        # Fewer bytes than announced: http.client reads them without complaint.
        cut = cut or bool(response.length)
        seconds = time.perf_counter() - started
        status = response.status
        conn.close()
        size = body.tell()
        if path.split("?")[0].endswith(".csv"):
            body.seek(0)
            reader = csv.reader(io.TextIOWrapper(body, encoding="utf-8-sig", newline=""))
            records = -1  # the header
            try:
                for _row in reader:
                    records += 1
            except csv.Error:  # a record cut short
                cut = True
            records = max(0, records)
            size = None
    after = {pid: peak_rss_mb(pid) for pid in worker_pids(master_pid)}
    grown = max(after, key=lambda pid: after[pid] - before.get(pid, 0.0), default=None)
    return {
        "path": path,
        "status": status,
        "records": records,
        "bytes": size,
        "seconds": seconds,
        "rows_per_s": records / seconds if records and seconds else None,
        "worker_peak_mb": after.get(grown),
        "worker_before_mb": before.get(grown),
        "peak_reset": reset,
        "cut": cut,
    }


def _ms(value):
    return "—" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _ratio(value):
    return "—" if value is None else f"{100 * value:.0f}%"


def _verdict(result):
    _limit, met = result.target
    if met is None:
        return ""
    return "met" if met else "MISSED"


HEADER = [
    "page",
    "rows",
    "first ms",
    "p50 ms (1)",
    "p95 ms (1)",
    "req/s (1)",
    "p95 ms ({c})",
    "req/s ({c})",
    "vs bare (1)",
    "vs bare ({c})",
    "queries",
    "target",
]


def table_rows(results):
    for r in results:
        yield [
            r.page.name + ("" if r.status == 200 else f" [HTTP {r.status}]"),
            "—" if r.rows is None else f"{r.rows:,}",
            _ms(r.first_ms),
            _ms(r.single.p50),
            _ms(r.single.p95),
            f"{r.single.rps:,.1f}",
            _ms(r.several.p95),
            f"{r.several.rps:,.1f}",
            _ratio(r.ratio_single),
            _ratio(r.ratio_several),
            "—" if r.queries is None else str(r.queries),
            _verdict(r),
        ]


def width(text):
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def pad(text, columns, *, left=True):
    gap = " " * max(0, columns - width(text))
    return f"{text}{gap}" if left else f"{gap}{text}"


def plain_table(results, connections):
    header = [h.format(c=connections) for h in HEADER]
    rows = [header, *table_rows(results)]
    widths = [max(width(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [pad(cell, widths[i], left=i == 0) for i, cell in enumerate(row)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results, connections):
    header = [h.format(c=connections) for h in HEADER]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["--:"] * (len(HEADER) - 2) + [":-:"]) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(results)]
    return "\n".join(lines)
