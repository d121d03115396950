"""Values read once per request (policy settings and the like), forgotten when it ends.

``RequestCacheMiddleware`` opens a scope for each request; inside it ``memo(key, compute)``
returns the value computed the first time. Outside a request (Celery tasks, commands, tests
calling selectors directly) nothing is kept and every call computes afresh, so a value can never
be older than the request that reads it. A write that changes such a value inside a request
calls ``forget(key)``.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

_scope: ContextVar[dict[str, Any] | None] = ContextVar("request_cache", default=None)


def memo(key: str, compute: Callable[[], Any]) -> Any:
    values = _scope.get()
    if values is None:
        return compute()
    if key not in values:
        values[key] = compute()
    return values[key]


def active() -> bool:
    """Whether a request scope is open (values read now are kept until it ends)."""
    return _scope.get() is not None


def forget(key: str) -> None:
    values = _scope.get()
    if values is not None:
        values.pop(key, None)


class RequestCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _scope.set({})
        try:
            return self.get_response(request)
        finally:
            _scope.reset(token)
