"""Crawl every page a logged-in persona can reach by following links (GET only).

Shared by the "GET never writes" test and the HTML validity test; browser tests can feed the
same URL list to axe-core.
"""

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

DEMO_PERSONAS = ("admin", "sheng", "danwei", "shuji", "shuji2")
HREF = re.compile(r"""href="([^"#][^"]*)\"""")
SKIP_PREFIXES = ("/admin/", "/accounts/logout", "/i18n/", "/static/", "/media/")
WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# The session row is the login itself, not a write by the page.
IGNORED_TABLES = ("django_session",)


def url_name(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def crawl(client, start=("/",), per_view=3, limit=400, on_page=None):
    """Follow links breadth-first; at most ``per_view`` URLs per view name, ``limit`` pages.

    Returns ``{url: status}``; ``on_page(url, response, write_queries)`` sees every page.
    """
    seen, statuses = set(), {}
    per_name = Counter()
    queue = deque(start)
    while queue and len(statuses) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        name = url_name(urlsplit(url).path)
        if name is None or per_name[name] >= per_view:
            continue
        per_name[name] += 1
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if WRITE_SQL.match(q["sql"]) and not any(t in q["sql"] for t in IGNORED_TABLES)
        ]
        statuses[url] = response.status_code
        if on_page:
            on_page(url, response, writes)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            if href.startswith("/") and not href.startswith(SKIP_PREFIXES) and href not in seen:
                queue.append(href)
    return statuses


def table_fingerprint():
    """Row count and highest id of every table (sessions excluded)."""
    result = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in IGNORED_TABLES:
                continue
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            # As text, so uuid keys (述职评议 votes are deliberately unordered) work too.
            max_id = "MAX(CAST(id AS TEXT))" if "id" in columns else "0"
            cursor.execute(f'SELECT COUNT(*), {max_id} FROM "{table}"')  # noqa: S608 - table names from introspection
            result[table] = cursor.fetchone()
    return result
