"""``manage.py bench``: seed a province, serve it with gunicorn, drive every page with wrk.

``make bench`` runs it (README, docs/benchmarks.md). PostgreSQL only; it needs wrk on the
PATH and the static files collected (the Makefile target does both). The site runs with
the production settings of this environment plus loopback-only changes: ALLOWED_HOSTS
127.0.0.1, no HTTPS redirect, and DEVTOOLS=1 BENCH=1 for the bare view it compares against.
"""

import os
import platform
import shutil
import signal
import socket
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from consultations.models import Meeting
from devtools.bench import driver as bm
from devtools.demo import scale
from organizations.models import Area, AreaLevel, User
from organizations.roles import COUNTY_STAFF

ADMIN, COUNTY = "bench-admin", "bench-county"


class Command(BaseCommand):
    help = "Benchmark every page under gunicorn with wrk (make bench); PostgreSQL only."

    def add_arguments(self, parser):
        parser.add_argument(
            "--meetings",
            type=int,
            default=50_000,
            help="Seed the province to this many meetings first (seed_scale); 0 seeds nothing.",
        )
        parser.add_argument("--seconds", type=int, default=5, help="wrk time per run (5).")
        parser.add_argument(
            "--connections", type=int, default=8, help="Connections of the loaded run (8)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2 * (os.cpu_count() or 1) + 1,
            help="gunicorn sync workers (two per core plus one, as docs/deploy.md).",
        )
        parser.add_argument("--port", type=int, default=0, help="Port (default: a free one).")
        parser.add_argument(
            "--output", default="artifacts/bench.md", help="Markdown file for the results."
        )
        parser.add_argument("--only", default="", help="Only pages whose name contains this.")
        parser.add_argument("--no-export", action="store_true", help="Skip the exports.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("make bench measures PostgreSQL; set DATABASE_URL=postgres://…")
        if shutil.which("wrk") is None:
            raise CommandError("wrk is missing: apt-get install wrk (make bench installs it).")
        if options["meetings"]:
            call_command("seed_scale", meetings=options["meetings"], stdout=self.stdout)
        self.connections = options["connections"]
        admin, county = self._users()
        cookies = {"admin": self._session(admin), "county": self._session(county), None: ""}
        clients = {"admin": self._client(admin), "county": self._client(county)}
        clients[None] = Client(HTTP_HOST="127.0.0.1")

        pages = bm.build_pages()
        if options["only"]:
            pages = [p for p in pages if p.kind == "bare" or options["only"] in p.name]
        rows_of = {}
        results = []
        self.stdout.write("Counting rows and queries per page (test client)…")
        for page in pages:
            if page.model is not None and page.model not in rows_of:
                rows_of[page.model] = bm.count_rows(page.model)
            status, size, queries = bm.count_queries(clients[page.user], page.paths[0])
            results.append(bm.Result(page, rows_of.get(page.model), queries, status, size))

        self.load_before = os.getloadavg()
        if self.load_before[0] > 1:
            self.stdout.write(
                self.style.WARNING(
                    f"The machine is busy (load {self.load_before[0]:.1f}): other processes "
                    "share the cores, and the numbers will be lower than on a quiet machine."
                )
            )
        port = options["port"] or _free_port()
        server = self._start(port, options["workers"])
        exports = []
        try:
            for result in results:
                self._drive(port, result, cookies[result.page.user], options["seconds"], server)
                bare = bm.yardstick(results, result.page)
                if bare is not None and bare is not result and result.status == 200:
                    self._beside(port, result, bare, cookies[bare.page.user], options, server)
            if not options["no_export"]:
                exports = self._exports(port, cookies["admin"], server.pid)
        finally:
            self._stop(server)
        self.load_after = os.getloadavg()

        for result in results:
            result.compare(bm.yardstick(results, result.page))
        self.stdout.write("")
        self.stdout.write(bm.plain_table(results, self.connections))
        for export in exports:
            self.stdout.write(_export_line(export))
        report = self._markdown(results, exports, options)
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"\nWritten to {output}."))

    # -- set-up ---------------------------------------------------------------------------

    def _users(self):
        """A province-wide superuser and a county's staff, without passwords (sessions are
        made directly, as the test client's force_login does)."""
        admin, _ = User.objects.get_or_create(
            username=ADMIN, defaults={"is_superuser": True, "is_staff": True}
        )
        county_area = (
            Area.objects.filter(level=AreaLevel.COUNTY, code__startswith=scale.PROVINCE)
            .order_by("code")
            .first()
            or Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()
        )
        county, created = User.objects.get_or_create(
            username=COUNTY, defaults={"area": county_area}
        )
        if created:
            county.groups.add(Group.objects.get(name=COUNTY_STAFF))
        return admin, county

    def _client(self, user):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        return client

    def _session(self, user):
        client = self._client(user)
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    def _start(self, port, workers):
        env = {
            **os.environ,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: the redirect to HTTPS would answer every request.
            "SECURE_SSL_REDIRECT": "0",
            # The bare views are devtools' routes (devtools/urls.py).
            "DEVTOOLS": "1",
            "BENCH": "1",
            # A release of its own: no figure kept by an earlier run answers a first visit.
            "RELEASE": f"bench-{time.time_ns()}",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn),
            "wuhgong.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        self.stdout.write(f"Starting gunicorn: {' '.join(command[1:])}")
        # Our own gunicorn, fixed arguments, loopback only.
        server = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)  # noqa: S603  # nosec B603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if bm.fetch(port, "/healthz", "", timeout=5)[0] == 200:
                    return server
            except OSError:
                pass
            if server.poll() is not None:
                raise CommandError("gunicorn stopped at start; see its messages above.")
            time.sleep(0.3)
        self._stop(server)
        raise CommandError("gunicorn did not answer /healthz within 60 s.")

    def _stop(self, server):
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    # -- measuring ------------------------------------------------------------------------

    def _drive(self, port, result, cookie, seconds, server):
        page = result.page
        status, size, took = bm.fetch(port, page.paths[0], cookie)
        result.status, result.bytes, result.first_ms = status, size, took * 1000
        if status != 200:
            self.stdout.write(self.style.WARNING(f"  {page.name}: HTTP {status}, not measured"))
            return
        # Warm up every worker (templates, connections) before measuring, unless a single
        # request already takes seconds: then the warm-up would only queue work.
        if took < 1:
            bm.wrk(port, page, cookie, connections=self.connections, seconds=1)
            bm.settle(server.pid)
        result.single = bm.wrk(port, page, cookie, connections=1, seconds=seconds)
        bm.settle(server.pid)
        result.several = bm.wrk(port, page, cookie, connections=self.connections, seconds=seconds)
        bm.settle(server.pid)
        self.stdout.write(
            f"  {bm.pad(page.name, 34)} p95 {bm._ms(result.single.p95):>7} ms, "
            f"{result.single.rps:7.1f} req/s; x{self.connections}: {result.several.rps:7.1f} req/s"
        )

    def _beside(self, port, result, bare, cookie, options, server):
        """The bare view again, right after the page, a third of the page's time at one and
        at several connections: the page's ratios compare it with the machine as it was."""
        seconds = max(2, options["seconds"] // 3)
        result.bare_single = bm.wrk(port, bare.page, cookie, connections=1, seconds=seconds)
        bm.settle(server.pid)
        result.bare_several = bm.wrk(
            port, bare.page, cookie, connections=self.connections, seconds=seconds
        )
        bm.settle(server.pid)

    def _exports(self, port, cookie, master_pid):
        measured = []
        county = Area.objects.filter(level=AreaLevel.COUNTY).order_by("-code").values("pk").first()
        for name, query in [
            ("meeting_export_csv", ""),
            ("meeting_export_xlsx", f"?area={county['pk']}" if county else ""),
        ]:
            try:
                path = reverse(name) + query
            except NoReverseMatch:
                continue
            self.stdout.write(f"  export {path} …")
            measured.append(bm.measure_export(port, path, cookie, master_pid))
        return measured

    # -- the report -----------------------------------------------------------------------

    def _markdown(self, results, exports, options):
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        machine = _machine()
        lines = [
            f"Run {timezone.localtime():%Y-%m-%d %H:%M} ({settings.TIME_ZONE}) on {machine}, "
            f"PostgreSQL {pg}, Python {platform.python_version()}.",
            f"Meetings in the database: {Meeting.objects.count():,}. gunicorn "
            f"{options['workers']} sync workers; wrk {options['seconds']} s per run, 1 "
            f"connection then {self.connections}. Load average (1 min) before "
            f"{self.load_before[0]:.1f}, after {self.load_after[0]:.1f}.",
            *_bare_line(results, self.connections),
            "",
            bm.markdown_table(results, self.connections),
            "",
        ]
        for export in exports:
            lines.append(f"- {_export_line(export)}")
        return "\n".join(lines) + "\n"


def _bare_line(results, connections):
    """How the signed-in bare view's throughput moved over the run (measured after each page,
    the ratios' denominators)."""
    beside = [r.bare_several.rps for r in results if r.page.user and r.bare_several is not None]
    if not beside:
        return []
    return [
        f"Ratios compare each page with the bare view measured right after it; the signed-in "
        f"bare view answered {min(beside):,.0f}–{max(beside):,.0f} requests/s at "
        f"{connections} connections over the run."
    ]


def _export_line(export):
    parts = [f"export {export['path']}: HTTP {export['status']}"]
    if export["cut"]:
        parts.append("BROKEN OFF by the server (gunicorn --timeout 60) after")
    if export["records"] is not None:
        parts.append(f"{export['records']:,} rows in {export['seconds']:.1f} s")
        if export["rows_per_s"]:
            parts.append(f"{export['rows_per_s']:,.0f} rows/s")
    else:
        parts.append(f"{export['bytes']:,} bytes in {export['seconds']:.1f} s")
    if export["worker_peak_mb"] is not None:
        memory = f"worker peak memory {export['worker_peak_mb']:.0f} MB"
        # A worker gunicorn started meanwhile (after a timeout) has no figure from before.
        if export["worker_before_mb"] is not None:
            memory += f" (before {export['worker_before_mb']:.0f} MB)"
        parts.append(memory)
    return ", ".join(parts)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return f"{os.cpu_count()} cores ({model}), {mem_kb / 2**20:.0f} GB memory"
