"""The benchmark's yardstick: a view that does nothing, behind the same middleware as every
page (``make bench``, docs/benchmarks.md). Routed only when the environment says BENCH=1, so
no production site carries it."""

import os

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

ENABLED = os.environ.get("BENCH", "") == "1"


@login_not_required
def bare(request):
    """A constant string: what the stack alone costs per request. Open to anyone, as the
    public board is: the session and authentication middleware then have nothing to load."""
    return HttpResponse(b"ok", content_type="text/plain")


def bare_signed_in(request):
    """The same constant string behind the sign-in every staff page requires: requested with
    a staff session, the middleware loads the session and the user, as for every staff page."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = (
    [
        path("bench/bare/", bare, name="bench_bare"),
        path("bench/bare/signed-in/", bare_signed_in, name="bench_bare_signed_in"),
    ]
    if ENABLED
    else []
)
