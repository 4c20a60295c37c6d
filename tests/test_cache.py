"""wuhgong.cache: Django's Redis cache keeping one client, against the real Redis server."""

import socket

import pytest

from tests.test_security import run_in_production
from wuhgong.cache import RedisCache

REDIS_URL = "redis://127.0.0.1:6379/14"


def _redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_is_up(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_cache():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": "wuhgong-test-cache"})
    cache.clear()
    yield cache
    cache.clear()


def test_every_operation_uses_the_same_client(redis_cache):
    first = redis_cache._cache.get_client("a")
    assert redis_cache._cache.get_client("b", write=True) is first
    assert redis_cache._cache.get_client(None) is first


def test_it_stores_and_reads_as_djangos_backend_does(redis_cache):
    assert redis_cache.get("missing", "default") == "default"
    redis_cache.set("figures", {"meetings": 3, "名": "陆水村"}, timeout=60)
    assert redis_cache.get("figures") == {"meetings": 3, "名": "陆水村"}
    assert redis_cache.add("figures", "other") is False
    assert redis_cache.add("fresh", 1) is True
    redis_cache.set_many({"x": 1, "y": 2})
    assert redis_cache.get_many(["x", "y", "z"]) == {"x": 1, "y": 2}
    assert redis_cache.incr("x") == 2
    assert redis_cache.delete("x") is True
    assert redis_cache.get("x") is None


def test_settings_use_it_for_redis_urls():
    result = run_in_production(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'])",
        CACHE_URL=REDIS_URL,
    )
    assert result.stdout.strip() == "wuhgong.cache.RedisCache", result.stderr
