"""The cache production runs on Redis (opsdesk.cache): one Redis client per connection
pool, shared by every operation and thread, and the same answers as Django's own."""

from __future__ import annotations

import threading

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from opsdesk.cache import RedisCache

# A database of its own on the suite's Redis (CI's, at 127.0.0.1:6379).
LOCATION = "redis://127.0.0.1:6379/13"


@pytest.fixture
def cache():
    backend = RedisCache(LOCATION, {"KEY_PREFIX": "test_cache"})
    yield backend
    backend.clear()


def test_every_operation_asks_through_one_client(cache):
    client = cache._cache.get_client("a", write=True)
    assert cache._cache.get_client("b") is client
    cache.set("a", 1)
    assert cache.incr("a") == 2
    assert cache._cache.get_client("a") is client


def test_it_answers_as_djangos_own_redis_cache(cache):
    djangos = DjangoRedisCache(LOCATION, {"KEY_PREFIX": "test_cache"})
    cache.set("rate:token-1", [1.5, 2.5], timeout=60)
    assert djangos.get("rate:token-1") == [1.5, 2.5]
    djangos.set("seen", "已读", timeout=60)
    assert cache.get("seen") == "已读"
    assert cache.add("seen", "again") is False
    assert cache.delete("seen") is True
    assert cache.get("seen", "gone") == "gone"


def test_threads_share_the_client_without_mixing_their_answers(cache):
    answers: dict[int, list] = {}

    def count(worker: int) -> None:
        key = f"worker-{worker}"
        cache.set(key, 0)
        answers[worker] = [cache.incr(key) for _ in range(50)]

    threads = [threading.Thread(target=count, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {n: list(range(1, 51)) for n in range(4)}
