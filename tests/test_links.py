"""wuhgong.links: the {% url %} every template uses gives Django's output, faster."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from django.utils.html import conditional_escape

from wuhgong import links
from wuhgong.links import url_shape

VALUES = [0, 1, 42, 1_000_000, 987_654_321_901, 2**63 - 1, -1, True, "7", "abc", None]


def _named_patterns(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


NAMES = sorted(set(_named_patterns()))


def _render(source, context=None):
    return engines["django"].from_string(source).render(context or {})


def _django(name, args):
    try:
        return conditional_escape(reverse(name, args=args))
    except NoReverseMatch:
        return NoReverseMatch


def _ours(name, args):
    source = "{% url name " + " ".join(f"a{i}" for i in range(len(args))) + " %}"
    try:
        return _render(source, {"name": name, **{f"a{i}": a for i, a in enumerate(args)}})
    except NoReverseMatch:
        return NoReverseMatch


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", NAMES)
def test_the_tag_gives_djangos_url_for_every_named_pattern(name, language):
    with translation.override(language):
        for arity in range(3):
            for value in VALUES:
                args = [value] * arity
                assert _ours(name, args) == _django(name, args), (name, args)
            assert _ours(name, list(range(5, 5 + arity))) == _django(
                name, list(range(5, 5 + arity))
            )


def test_every_template_uses_it():
    builtins = engines["django"].engine.template_builtins
    assert [lib.tags["url"] for lib in builtins if "url" in lib.tags][-1] is links.url


def test_the_short_way_serves_id_links_and_leaves_the_rest_to_django():
    # Not vacuous: the pages' id links take the short way...
    for name in ("matter_detail", "meeting_detail", "project_detail", "meeting_edit"):
        assert url_shape(name, 1, "/", "zh-hans") is not None, name
    # ...and what it cannot tell exactly goes to Django: a regular expression route, a
    # namespaced name, a string argument's route, a wrong number of arguments.
    assert url_shape("public_area", 1, "/", "zh-hans") is None
    assert url_shape("admin:consultations_meeting_change", 1, "/", "zh-hans") is None
    assert url_shape("area_detail", 1, "/", "zh-hans") is None
    assert url_shape("matter_detail", 2, "/", "zh-hans") is None


def test_as_keyword_arguments_and_escaping_follow_django():
    assert _render("{% url 'matter_detail' pk=3 %}") == reverse("matter_detail", kwargs={"pk": 3})
    assert _render("{% url 'matter_detail' 3 as link %}[{{ link }}]") == "[/matters/3/]"
    assert _render("{% url 'nowhere' 3 as link %}[{{ link }}]") == "[]"
    assert _render("{% autoescape off %}{% url 'matter_detail' 3 %}{% endautoescape %}") == (
        "/matters/3/"
    )
    with pytest.raises(NoReverseMatch):
        _render("{% url 'matter_detail' -3 %}")


def test_a_script_prefix_is_kept(settings):
    from django.urls import set_script_prefix

    set_script_prefix("/wuhgong/")
    try:
        assert _render("{% url 'matter_detail' 8 %}") == "/wuhgong/matters/8/"
        assert _render("{% url 'matter_detail' 8 %}") == reverse("matter_detail", args=[8])
    finally:
        set_script_prefix("/")
