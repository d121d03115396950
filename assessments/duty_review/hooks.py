"""Where 述职评议 meets features that are being built alongside it.

Each function here is the single place to wire a shared piece once it lands in ``main``
(see /work/coord/API.md): the training record, the shared rectification tracker and the
observation round. Until then they answer "no data" (None) or do nothing, and the pages show
暂无数据 instead of inventing figures.
"""

from datetime import timedelta


def training_facts(*, organization, secretary, year):
    """Training the secretary attended in ``year``: {"sessions": n, "hours": h, "items": [...]}.

    Returns None while the ``training`` app provides no record (the report shows 暂无数据).
    """
    return None


def rectification_facts(*, organization, year):
    """Open and closed rectification items of the organization from last year's 述职评议 cycle and
    from observation visits: {"open": [...titles], "closed": [...titles]}.

    Returns None until the shared rectification tracker exists (the report shows 暂无数据).
    """
    return None


def rectification_create(*, report, deadline_days, user):
    """Open a rectification item (source: 述职评议) for a report graded 一般 or 差.

    To wire at merge: create the item in the shared tracker with source kind 述职评议, the
    report's organization, ``deadline`` = publication date + ``deadline_days`` and a link to
    ``report.get_absolute_url()``. Must be idempotent per report (publication may be retried).
    Returns the deadline it would use so callers and tests can see the intent.
    """
    from django.utils import timezone

    return timezone.localdate() + timedelta(days=deadline_days)
