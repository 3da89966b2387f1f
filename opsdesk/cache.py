"""Django's Redis cache, asking Redis through one client per connection pool.

Django's own builds a new redis.Redis for every operation (RedisCacheClient.get_client()),
and building one sets up its table of some 200 reply handlers: about 70 µs, three times
an API request (its rate limit's count, read and written). A client shares its pool's
connections and is safe to share between threads (redis-py), so one per pool is enough.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
