"""The benchmark's yardstick: a view that does nothing, behind the same middleware as every
page (``make bench``, docs/benchmarks.md). Routed only when the environment says BENCH=1
(devtools/urls.py), so that not even a development site carries it otherwise."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse


@login_not_required
def bare(request):
    """A constant string: what the stack alone costs per request. Open to anyone, as the
    public board is: the session and authentication middleware then have nothing to load."""
    return HttpResponse(b"ok", content_type="text/plain")


def bare_signed_in(request):
    """The same constant string behind the sign-in every staff page requires: requested with
    a staff session, the middleware loads the session and the user, as for every staff page."""
    return HttpResponse(b"ok", content_type="text/plain")
