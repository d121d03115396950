"""A Redis cache that degrades to "no cache" when Redis is unreachable.

Django's RedisCache raises on any connection error, so with Redis down every page that reads
the cache would answer 500. Here each operation logs a warning and behaves as a miss (reads
return the default, writes are dropped); the short socket timeouts in settings keep a dead
server from holding a request for long.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("branchportal.cache")


def _tolerant(default_from=None, fallback=None):
    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as exc:
                logger.warning("cache %s failed, continuing without cache: %s", method.__name__, exc)
                if default_from is not None:
                    if len(args) > default_from:
                        return args[default_from]
                    return kwargs.get("default", fallback)
                return fallback() if callable(fallback) else fallback

        return wrapper

    return decorator


class TolerantRedisCache(RedisCache):
    get = _tolerant(default_from=1)(RedisCache.get)
    set = _tolerant()(RedisCache.set)
    add = _tolerant(fallback=False)(RedisCache.add)
    touch = _tolerant(fallback=False)(RedisCache.touch)
    delete = _tolerant(fallback=False)(RedisCache.delete)
    get_many = _tolerant(fallback=dict)(RedisCache.get_many)
    set_many = _tolerant(fallback=list)(RedisCache.set_many)
    delete_many = _tolerant()(RedisCache.delete_many)
    has_key = _tolerant(fallback=False)(RedisCache.has_key)
    clear = _tolerant(fallback=False)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as exc:
            logger.warning("cache incr failed, continuing without cache: %s", exc)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc
