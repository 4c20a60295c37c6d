"""The developer tools' routes, included by wuhgong/urls.py only with DEVTOOLS=1.

make bench's bare views come only with BENCH=1 besides (make bench and manage.py bench set
it): make run and the tests install devtools as well, and their sites need not carry them.
"""

import os

from django.urls import path

from devtools.bench import views

BENCH = os.environ.get("BENCH", "") == "1"

urlpatterns = (
    [
        path("bench/bare/", views.bare, name="bench_bare"),
        path("bench/bare/signed-in/", views.bare_signed_in, name="bench_bare_signed_in"),
    ]
    if BENCH
    else []
)
