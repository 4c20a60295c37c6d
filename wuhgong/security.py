"""Small hooks for the sign-in throttle (django-axes) configured in settings."""

from django.conf import settings


def client_ip_address(request):
    """The client's address: from the trusted proxy header if one is configured, else the peer.

    ``CLIENT_IP_HEADER`` names a header the reverse proxy overwrites on every request
    (``X-Real-IP``); without a proxy the peer address is the client's.
    """
    header = settings.CLIENT_IP_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        value = request.META.get(meta_key, "").strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR")
