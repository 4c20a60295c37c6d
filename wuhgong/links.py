"""Django's ``url`` template tag, with each URL's shape reversed once.

Django's ``reverse`` matches the name against every pattern of that name, converts and
quotes each argument and checks the result against the pattern's regular expression, on
every call: about 35 µs, 45 µs through the tag. A list page links each of its 25 rows two
or three times; a matter page links every record of its chain. For a name whose arguments
are all ``<int:…>`` path converters, the URL is that of stand-in numbers with the real ones
put in their place: the same text, a string join. Installed as a template builtin
(settings.TEMPLATES), so that every ``{% url %}`` uses it; anything else (keyword arguments,
``as``, namespaced names, arguments that are not whole numbers, ``re_path`` patterns) goes
to Django's own tag. tests/test_links.py compares the two on every named URL.
"""

import functools
import re

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

# Numbers no id reaches, one per argument; each must appear exactly once in the URL.
STAND_INS = (987_654_321_901, 987_654_321_902, 987_654_321_903)
_CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")


@functools.lru_cache(maxsize=1024)
def url_shape(view_name, arity, prefix, language):
    """The URL of ``view_name`` with ``arity`` whole-number arguments, as the texts between
    them; None when it cannot be told that way (then Django's tag reverses it)."""
    if ":" in view_name or not 0 < arity <= len(STAND_INS):
        return None
    stand_ins = [str(n) for n in STAND_INS[:arity]]
    try:
        url = reverse(view_name, args=stand_ins)
        route = resolve("/" + url[len(prefix) :]).route
    except (NoReverseMatch, Resolver404):
        return None
    # Only path() routes whose every argument is an int converter take any whole number.
    converters = _CONVERTER.findall(route)
    if "(?P" in route or converters != ["int"] * arity:
        return None
    pieces, rest = [], url
    for stand_in in stand_ins:
        if url.count(stand_in) != 1:
            return None
        before, _found, rest = rest.partition(stand_in)
        pieces.append(before)
    return (*pieces, rest)


class URLNode(defaulttags.URLNode):
    def render(self, context):
        if not self.kwargs and not self.asvar and self.args:
            args = [arg.resolve(context) for arg in self.args]
            if all(type(arg) is int and arg >= 0 for arg in args):
                shape = url_shape(
                    self.view_name.resolve(context), len(args), get_script_prefix(), get_language()
                )
                if shape is not None:
                    url = shape[0] + "".join(
                        str(arg) + piece for arg, piece in zip(args, shape[1:], strict=True)
                    )
                    return conditional_escape(url) if context.autoescape else url
        return super().render(context)


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
