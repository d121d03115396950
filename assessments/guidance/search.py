"""Chinese full-text search on plain PostgreSQL (no zhparser): CJK bigrams.

Indexing: a text becomes ``search_tokens`` — every run of CJK characters is split into
overlapping two-character tokens (“组织生活会” → 组织 织生 生活 活会; a single character stays
as it is) and every latin word or number is kept lower-cased. PostgreSQL's ``simple`` text
search configuration then only splits on spaces, so ``to_tsvector('simple', search_tokens)``
(GIN-indexed by migration 0004) holds exactly those tokens.

Querying: the query goes through the same tokeniser and becomes the AND of its tokens
(``to_tsquery('simple', '组织 & 织生 & 生活')``), so a two-character word is one token and is
found wherever it occurs; longer words match texts containing all their bigrams. On SQLite
the fallback is ``icontains`` on the original text.
"""

import re

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN = re.compile(rf"[{CJK}]+|[a-z0-9]+", re.IGNORECASE)
CJK_RUN = re.compile(rf"^[{CJK}]+$")


def tokens(text):
    """The search tokens of ``text`` (bigrams of CJK runs, latin words, numbers)."""
    found = []
    for run in RUN.findall(text or ""):
        if CJK_RUN.match(run):
            if len(run) == 1:
                found.append(run)
            else:
                found.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            found.append(run.lower())
    return found


def token_text(*parts):
    return " ".join(token for part in parts for token in tokens(part))[:20000]


def tsquery(query):
    """``a & b & …`` over the query's distinct tokens, or "" when it has none."""
    unique = list(dict.fromkeys(tokens(query)))
    return " & ".join(unique)


def search(queryset, query, *, fallback_fields):
    """Filter ``queryset`` (a model with ``search_tokens``) by ``query``."""
    query = (query or "").strip()
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        expression = tsquery(query)
        if not expression:
            return queryset.none()
        table = queryset.model._meta.db_table
        return queryset.filter(
            RawSQL(
                f"to_tsvector('simple'::regconfig, {connection.ops.quote_name(table)}.search_tokens)"
                " @@ to_tsquery('simple'::regconfig, %s)",
                [expression],
                output_field=BooleanField(),
            )
        )
    condition = Q()
    for field in fallback_fields:
        condition |= Q(**{f"{field}__icontains": query})
    return queryset.filter(condition)
