"""Crawling the public board: every page reachable from the public index along links under
/public/, and the checks that nothing personal or unpublished is on any of them."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client
from django.urls import reverse

from consultations import public_board
from consultations.models import Meeting, Outcome, Project
from organizations.models import Area, Highlight, Organization

PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def crawl(start=None):
    """{path: body} of every page reachable from the public index, images included (their
    addresses are checked; their bytes are not text)."""
    client = Client()
    start = start or reverse("public_index")
    pages, queue, seen = {}, [start], {start}
    while queue:
        path = queue.pop()
        response = client.get(path)
        assert response.status_code == 200, path
        if response["Content-Type"].startswith("image/"):
            pages[path] = ""
            continue
        body = response.content.decode()
        pages[path] = body
        parser = Links()
        parser.feed(body)
        for link in parser.found:
            target = urlsplit(urljoin(path, link))
            if target.netloc or not target.path.startswith("/public/"):
                continue
            if target.path.startswith("/public/language/"):
                continue  # a redirect back to the page, with a cookie
            url = target.path + (f"?{target.query}" if target.query else "")
            if url not in seen:
                seen.add(url)
                queue.append(url)
    return pages


def unpublished_titles():
    """Titles of what staff did not publish, less any that a published record shares."""
    hidden = (
        set(Outcome.objects.filter(is_published=False).values_list("title", flat=True))
        | set(Project.objects.filter(is_public=False).values_list("title", flat=True))
        | set(Meeting.objects.filter(summary_is_public=False).values_list("title", flat=True))
    )
    shown = (
        set(public_board.published_outcomes().values_list("title", flat=True))
        | set(public_board.public_projects().values_list("title", flat=True))
        | set(public_board.public_meetings().values_list("title", flat=True))
        | set(public_board.published_matters().values_list("title", flat=True))
    )
    return hidden - shown


def public_names():
    """Names the board may show, inside which a person's name could occur by chance."""
    return " ".join(
        [
            *Area.objects.values_list("name", flat=True),
            *Organization.objects.values_list("name", flat=True),
            *Highlight.objects.values_list("title", flat=True),
            *Highlight.objects.values_list("description", flat=True),
        ]
    )


def assert_nothing_leaks(pages, *, names):
    titles = unpublished_titles()
    assert titles, "the data must hold something unpublished for the test to mean anything"
    for path, body in pages.items():
        assert not PHONE_RE.search(body), path
        assert not ID_RE.search(body), path
        for title in titles:
            assert title not in body, (path, title)
        for name in names:
            assert name not in body, (path, name)
