"""The benchmark's parts (make bench): its bare view, its page list and its table."""

import datetime as dt
import http.server
import importlib
import os
import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, clear_url_caches, reverse

from consultations.models import Meeting, ProposalStatus
from devtools.bench import driver as bm
from tests.factories import MeetingFactory, ProjectFactory, ProposalFactory, UserFactory


def _reload_urls():
    import devtools.urls
    import wuhgong.urls

    importlib.reload(devtools.urls)
    importlib.reload(wuhgong.urls)
    clear_url_caches()


@pytest.fixture
def bench_routes(monkeypatch):
    monkeypatch.setenv("BENCH", "1")
    _reload_urls()
    yield
    monkeypatch.delenv("BENCH")
    _reload_urls()


def test_the_bare_view_is_not_routed_without_bench_in_the_environment(monkeypatch):
    monkeypatch.delenv("BENCH", raising=False)
    _reload_urls()
    with pytest.raises(NoReverseMatch):
        reverse("bench_bare")


def test_the_bare_view_answers_anyone_through_the_middleware_without_a_query(db, bench_routes):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/bench/bare/")
    assert response.status_code == 200
    assert response.content == b"ok"
    # The middleware ran: the security headers are there.
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response
    assert len(queries) == 0


def test_the_signed_in_bare_view_loads_the_session_and_the_user_as_staff_pages_do(
    db, bench_routes, county_staff
):
    client = Client()
    # Anonymous: sent to sign in, like every staff page.
    assert client.get("/bench/bare/signed-in/").status_code == 302
    client.force_login(county_staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bench/bare/signed-in/")
    assert response.status_code == 200 and response.content == b"ok"
    # The session, then the user with their area: what every staff page's middleware loads.
    assert len(queries) == 2


def test_staff_pages_are_compared_with_the_signed_in_bare_view():
    results = [
        bm.Result(bm.Page("bare", ["/bench/bare/"], "bare", user=None), None, 0, 200, 2),
        bm.Result(bm.Page("bare in", ["/bench/bare/signed-in/"], "bare"), None, 2, 200, 2),
    ]
    staff = bm.Page("会议列表", ["/meetings/"], "list", Meeting)
    public = bm.Page("公开", ["/public/"], "public", user=None)
    assert bm.yardstick(results, staff) is results[1]
    assert bm.yardstick(results, public) is results[0]


def test_a_page_is_compared_with_the_bare_view_measured_beside_it():
    start = bm.Result(bm.Page("bare in", ["/bench/bare/signed-in/"], "bare"), None, 1, 200, 2)
    start.single, start.several = bm.Run(400, 10), bm.Run(800, 10)  # 40 and 80 req/s
    page = _result("list", 90)  # 10 and 20 req/s
    page.compare(start)
    assert (page.ratio_single, page.ratio_several) == (0.25, 0.25)
    # Measured again after the page, on a machine now half as fast: that is the yardstick.
    page.bare_single, page.bare_several = bm.Run(200, 10), bm.Run(400, 10)
    page.compare(start)
    assert (page.ratio_single, page.ratio_several) == (0.5, 0.5)


@pytest.fixture
def matters(village, other_village):
    project = ProjectFactory(area=village)
    for area in (village, other_village):
        meeting = MeetingFactory(area=area)
        ProposalFactory(meeting=meeting)
    ProposalFactory(
        meeting=meeting,
        status=ProposalStatus.ADOPTED,
        decided_on=dt.date(2024, 3, 1),
        project=project,
    )
    return project


def test_every_page_of_the_benchmark_answers_its_user(matters, county, county_staff, bench_routes):
    admin = UserFactory(username="bench-admin", is_superuser=True, is_staff=True, area=None)
    clients = {None: Client(), "admin": Client(), "county": Client()}
    clients["admin"].force_login(admin)
    clients["county"].force_login(county_staff)
    pages = bm.build_pages()
    kinds = {page.kind for page in pages}
    assert {"bare", "list", "detail", "page", "form", "admin"} <= kinds
    for page in pages:
        for path in page.paths[:3]:
            status, size, _queries = bm.count_queries(clients[page.user], path)
            assert status == 200, (page.name, path)
            assert size > 0
    names = [page.name for page in pages]
    assert "meeting detail" in names and "matter page" in names


def _result(kind, p95, ratio=None, status=200):
    result = bm.Result(bm.Page("会议列表", ["/"], kind, Meeting), 1_000_000, 5, status, 100)
    result.single = bm.Run(requests=100, seconds=10, p50=p95 / 2, p95=p95)
    result.several = bm.Run(requests=200, seconds=10, p95=p95 * 2)
    result.ratio_several = ratio
    return result


def test_targets_follow_the_issue():
    assert bm._verdict(_result("list", 55, ratio=0.3)) == "met"
    assert bm._verdict(_result("list", 55, ratio=0.05)) == "met"  # throughput is reported
    assert bm._verdict(_result("list", 65, ratio=0.3)) == "MISSED"  # latency
    assert bm._verdict(_result("detail", 65)) == "MISSED"
    assert bm._verdict(_result("form", 90)) == "met"
    assert bm._verdict(_result("form", 110)) == "MISSED"
    assert bm._verdict(_result("report", 900)) == "met"
    assert bm._verdict(_result("page", 50, status=500)) == "MISSED"
    assert bm._verdict(_result("admin", 5000)) == ""  # no target in the issue
    assert bm._verdict(_result("public", 5000)) == ""


def test_tables_line_up_with_chinese_names():
    results = [_result("list", 90, ratio=0.3), _result("admin", 250)]
    lines = bm.plain_table(results, 8).splitlines()
    assert len({bm.width(line) for line in lines}) == 1
    assert "1,000,000" in lines[2]
    markdown = bm.markdown_table(results, 8).splitlines()
    assert len(markdown) == 4
    assert all(line.count("|") == len(bm.HEADER) + 1 for line in markdown)


class _Export(http.server.BaseHTTPRequestHandler):
    """Serves a CSV whose records hold newlines inside quoted cells; /cut.csv stops short."""

    body = '\ufeff编号,纪要\r\n1,"第一行\n第二行"\r\n2,短\r\n3,"a ""quoted"" word"\r\n'.encode()

    def do_GET(self):
        cut = self.path.startswith("/cut")
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body[:20] if cut else self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def export_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Export)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_an_export_is_timed_as_it_arrives_and_its_records_counted_after(export_server):
    result = bm.measure_export(export_server, "/meetings.csv", "", os.getpid())
    assert result["status"] == 200
    assert result["records"] == 3  # a newline inside a quoted cell is no new record
    assert result["seconds"] > 0
    cut = bm.measure_export(export_server, "/cut.csv", "", os.getpid())
    assert cut["records"] < 3
    assert cut["cut"] is True
