"""Scaffold: being written in this session; replaced before the work lands."""

from django.http import Http404


def _pending(request, *args, **kwargs):
    raise Http404


area_home = area_detail = _pending
