"""Django's Redis cache, keeping its redis-py client instead of making one per operation.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new
``redis.Redis`` for every get and set; its constructor fills a table of some eighty
response callbacks, about 0.1 ms each time. A staff page makes five cache operations (its
session, the data versions and the kept figures), the bare view one. redis-py clients are
safe to share between threads and draw their connections from the pool, so one client per
pool serves every operation, as django-redis and redis-py's own documentation do it.
``settings.CACHES`` uses this backend wherever ``CACHE_URL`` names Redis.
"""

from django.core.cache.backends import redis


class _KeptClients(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptClients
