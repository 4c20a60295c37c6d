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
    """A constant string: what the stack alone costs per request."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare")] if ENABLED else []
