"""Staff pages kept rendered until the data they show change.

A list or record page of a province costs ten to twenty milliseconds of queries and template
work, most of it the same for every visit: a county's staff open the same meeting list, the
same matter page, many times between two changes. ``kept_page`` keeps what such a page
renders in the cache, under a key that holds everything its content depends on:

- the address (path and query string);
- what the user may see (``aggregates.user_scope``): everything, or one area's subtree.
  Pages show the same content to every role of one area (views scope by area alone);
- the language and the day (pages mark what is overdue);
- the version of the data the user's scope reads (``aggregates.version`` of the user's
  county, of everything for those who see everything), renewed by every save and delete;
- the version of *names*: organizations, people, areas and users, which a page may show
  from another county (a county body hosting a village's meeting next door).

What belongs to the request is never kept. ``base.html`` marks the blocks a page fills
(title, head, breadcrumbs, content) while a page is being kept, and the kept blocks are put
back into ``base.html`` on every visit: the header with the user's name, the sign-out and
language forms and any messages are rendered afresh. Every CSRF token inside a kept block
is replaced by one of the visitor's own.

Changes that bypass the model signals (raw SQL, bulk loads) show after
``AGGREGATE_CACHE_SECONDS`` at most, as the aggregates do. ``KEEP_PAGES=0`` turns it off.
"""

import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from consultations import aggregates

NAMES_KEY = "kept-pages:names"
BLOCKS = ("title", "head", "breadcrumbs", "content")
_MARKED = re.compile(r"<!--kept:([a-z]+)-->(.*?)<!--/kept:\1-->", re.S)
_MARKER = re.compile(r"<!--/?kept:[a-z]+-->")
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_SLOT = "\x00csrf\x00"


def kept_page(name):
    """Keep the page the view renders for a signed-in visitor's GET (see the module's
    docstring). ``name`` names the view in the cache key. Only complete pages (200) whose
    blocks were all found are kept; anything else is answered as the view answered it."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _keepable(request):
                return view(request, *args, **kwargs)
            key = _key(request, name)
            blocks = cache.get(key)
            if blocks is not None:
                return _respond(request, blocks)
            request.kept_capture = True
            try:
                response = view(request, *args, **kwargs)
            finally:
                request.kept_capture = False
            return _kept(response, key)

        return wrapper

    return decorate


def _keepable(request):
    return (
        settings.KEEP_PAGES
        and request.method == "GET"
        and request.user.is_authenticated
        and not getattr(request, "kept_capture", False)
    )


def _key(request, name):
    user = request.user
    area = aggregates.user_bound(user)
    # Both versions in one round trip to the cache; value_key reads the area's again, kept.
    versions = aggregates.versions([NAMES_KEY, *aggregates.version_keys(area)])
    scope = (
        request.get_full_path(),
        aggregates.user_scope(user),
        get_language(),
        str(timezone.localdate()),
        versions,
    )
    return aggregates.value_key(f"kept-page:{name}", repr(scope), area)


def _kept(response, key):
    """Store the page's marked blocks if it is complete (200), and answer without the marks
    whatever the status (a form's page with errors, say)."""
    html = response.get("Content-Type", "").startswith("text/html")
    if getattr(response, "streaming", False) or not html:
        return response
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    content = response.content.decode(response.charset)
    found = _MARKED.findall(content)
    blocks = {block: _TOKEN.sub(rf"\g<1>{_SLOT}\g<2>", body) for block, body in found}
    # Each block once, or the page is not kept (a block inside another, a mark in a text).
    if response.status_code == 200 and len(found) == len(BLOCKS) and set(blocks) == set(BLOCKS):
        cache.set(key, blocks, timeout=settings.AGGREGATE_CACHE_SECONDS)
    response.content = _MARKER.sub("", content)
    return response


def _respond(request, blocks):
    token = get_token(request)
    # Each block was rendered, and escaped, by the page's own template when it was kept.
    kept = {name: mark_safe(body.replace(_SLOT, token)) for name, body in blocks.items()}  # noqa: S308  # nosec B308 B703
    return render(request, "_kept_page.html", {"kept": kept})


def _names_changed(sender, instance, update_fields=None, **kwargs):
    # Signing in saves the user's last_login alone: no name changes.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    aggregates.renew([NAMES_KEY])


def watch_names(*models):
    """Renew the names' version on every save and delete of ``models``
    (``ConsultationsConfig.ready``)."""
    from django.db.models.signals import post_delete, post_save

    for model in models:
        uid = f"kept-pages-names-{model._meta}"
        post_save.connect(_names_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_names_changed, sender=model, dispatch_uid=f"{uid}-d")
