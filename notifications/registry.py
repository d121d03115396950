"""Notice types: ``kind`` -> how its title and body are rendered from ``params``.

Each feature registers its kinds at import time (from its AppConfig.ready), e.g.::

    register_notice_type(
        "report_returned",
        title=gettext_noop("%(branch)s %(month)s月度报告已退回"),
        body=gettext_noop("退回意见：%(reason)s"),
    )

Templates are msgids: they are translated when displayed, in the viewer's language. ``render``
may be a callable ``params -> (title, body)`` for kinds whose wording depends on the params.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NoticeType:
    kind: str
    title: str = ""
    body: str = ""
    render: Callable[[dict], tuple[str, str]] | None = None


_TYPES: dict[str, NoticeType] = {}


def register_notice_type(kind, *, title="", body="", render=None):
    if kind in _TYPES and _TYPES[kind] != NoticeType(kind, title, body, render):
        raise ValueError(f"notice type {kind!r} registered twice")
    _TYPES[kind] = NoticeType(kind, title, body, render)
    return _TYPES[kind]


def notice_type(kind):
    return _TYPES.get(kind)


def render(kind, params, *, fallback=("", "")):
    """(title, body) in the active language; the stored text when the kind is unknown."""
    entry = _TYPES.get(kind)
    if entry is None or params is None:
        return fallback
    try:
        if entry.render is not None:
            return entry.render(params)
        title = gettext(entry.title) % params if entry.title else fallback[0]
        body = gettext(entry.body) % params if entry.body else fallback[1]
        return title, body
    except (KeyError, TypeError, ValueError):
        logger.warning("notice %s: params %r do not fit its templates", kind, params)
        return fallback
