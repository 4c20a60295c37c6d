"""Scaffold: being written in this session; replaced before the work lands."""

from django.http import Http404


def _pending(request, *args, **kwargs):
    raise Http404


proposal_list = proposal_board = proposal_create = _pending
