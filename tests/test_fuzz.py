"""Fuzz: every URL pattern (outside Django's own admin) as every role, with hostile values in
every list filter and every form field. Nothing may answer 500, and a refused POST saves nothing.

URL patterns and forms are enumerated programmatically (new pages are covered without editing
this file): each pattern's integer arguments are filled with a real object of the kind its name
suggests, the page is fetched to find its forms and filter fields, then the same page is fetched
and posted with hostile values (NUL and other control characters, 100 KB strings, NaN/inf/huge
and tiny numbers, far and impossible dates, wrong types, unicode edge cases, path tricks).
"""

from datetime import date

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

from assessments import services as assessment_services
from branches.renewals import services as renewal_services
from branches.reports import services as report_services
from notifications.registry import register_notice_type
from notifications.services import notify
from tests.assessments.conftest import (
    edition,  # noqa: F401  (fixture)
    staff_branch,
)
from tests.branches.reports.conftest import record

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "a\x01b\x1b[31m\x7f",
    "x" * 100_000,
    "NaN",
    "-inf",
    "1e-999999999",
    "1e999999999",
    "9" * 40,
    "-1",
    "9999-12",
    "99999-12-31",
    "2026-02-30",
    "abc",
    "[1, 2]",
    "\u202e\u200b\ufeff𝕏😀",
    "１２３",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    " ",
]
GENERIC_PARAMS = [
    "q",
    "page",
    "year",
    "month",
    "branch",
    "unit",
    "kind",
    "status",
    "state",
    "filter",
    "format",
    "period",
    "export",
    "other",
    "version",
    "back",
    "next",
]
SKIPPED = {"logout", "healthz", "set_language", "renewals:feed", "password_reset_confirm"}
ROLES = ["admin", "provincial", "unit_staff", "secretary"]
# Names of URL arguments and the model whose object fills them, by URL-name fragment.
PK_MODELS = [
    ("attachment", "branches.ActivityAttachment"),
    ("activity", "branches.Activity"),
    ("report-review", "branches.MonthlyReport"),
    ("notification", "branches.Notification"),
    ("member", "branches.Member"),
    ("term", "branches.Term"),
    ("post", "branches.Post"),
    ("evidence-download", "assessments.Evidence"),
    ("edition", "assessments.Edition"),
    ("review", "assessments.Review"),
    ("evidence", "assessments.Review"),
    ("postponement", "branches.Postponement"),
    ("step-document", "branches.RenewalStep"),
]
STR_ARGS = {
    "edition-action": {"action": "clone"},
    "edition-part-add": {"part": "dimension"},
    "edition-part": {"part": "dimension"},
    "review-action": {"action": "submit"},
    "step-record": {"step": "request"},
}
WATCHED = [
    "branches.Organization",
    "branches.Member",
    "branches.Term",
    "branches.Post",
    "branches.Activity",
    "branches.ActivityAttachment",
    "branches.MonthlyReport",
    "branches.RoleAssignment",
    "branches.Postponement",
    "branches.RenewalStep",
    "assessments.Edition",
    "assessments.Dimension",
    "assessments.Item",
    "assessments.Review",
    "assessments.Evidence",
]


def _patterns(resolver=None, prefix="", namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _patterns(entry, prefix + str(entry.pattern), ns or None)
        else:
            name = ":".join(filter(None, [namespace, entry.name]))
            yield name, entry, prefix


def _first_pk(label):
    model = apps.get_model(label)
    return model.objects.order_by("pk").values_list("pk", flat=True).first() or 999999


def _url(name, pattern, prefix, objects):
    converters = pattern.pattern.converters
    kwargs = {}
    short = name.split(":")[-1]
    for arg, converter in converters.items():
        if arg in ("org_id", "branch_id"):
            kwargs[arg] = objects["branch"].pk
        elif arg == "term_id":
            kwargs[arg] = _first_pk("branches.Term")
        elif arg == "year":
            kwargs[arg] = 2026
        elif arg == "month":
            kwargs[arg] = 3
        elif arg == "part_pk":
            kwargs[arg] = _first_pk("assessments.Dimension")
        elif arg == "pk":
            label = next((model for fragment, model in PK_MODELS if fragment in short), None)
            kwargs[arg] = _first_pk(label) if label else 999999
        elif arg in STR_ARGS.get(short, {}):
            kwargs[arg] = STR_ARGS[short][arg]
        elif converter.regex == "[0-9]+":
            kwargs[arg] = 999999  # an id this world has no row for: the page must answer 404
        else:
            kwargs[arg] = "x"
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)


def _forms_in(context):
    found = []
    if context is None:
        return found
    for value in context.flatten().values() if hasattr(context, "flatten") else []:
        if isinstance(value, forms.BaseForm):
            found.append(value)
        elif isinstance(value, forms.BaseFormSet):
            found.extend(value.forms)
            found.append(value.management_form)
        elif hasattr(value, "form") and isinstance(getattr(value, "form", None), forms.BaseForm):
            found.append(value.form)  # django-filter FilterSet
    return found


def _counts():
    return {label: apps.get_model(label).objects.count() for label in WATCHED}


@pytest.fixture
def world(tree, personas, edition, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    branch = tree["branch_a"]
    staff_branch(branch)
    activity = record(branch, "committee", date(2026, 3, 2))
    report_services.attachment_add(
        activity=activity,
        user=personas["secretary"],
        kind="minutes",
        file=SimpleUploadedFile("m.pdf", b"%PDF-1.4 fuzz"),
    )
    report_services.report_get_or_create(
        branch=branch, month=date(2026, 2, 1), user=personas["secretary"], today=date(2026, 3, 11)
    )
    review = assessment_services.review_start(branch=branch, kind="unit", year=2026, user=personas["admin"])
    assessment_services.evidence_add(
        review=review,
        item=review.edition.items.first(),
        upload=SimpleUploadedFile("e.pdf", b"%PDF-1.4 evidence"),
        user=personas["admin"],
    )
    term = branch.terms.get(status="active")
    renewal = renewal_services.renewal_get_or_start(term=term)
    renewal_services.renewal_step_record(
        renewal=renewal,
        step="request",
        done_on=date(2026, 3, 1),
        user=personas["secretary"],
        version=renewal.version,
        document=SimpleUploadedFile("r.pdf", b"%PDF-1.4 request"),
    )
    register_notice_type("fuzz", title="通知")
    notify(recipients=[personas["secretary"]], kind="fuzz", params={}, dedupe_key="fuzz", email=False)
    return {"branch": branch}


def _rolled_back(method, *args):
    """One request whose writes are undone (GET should not write; some pages create drafts)."""
    with transaction.atomic():
        response = method(*args)
        transaction.set_rollback(True)
    return response


def _client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_no_url_answers_500_to_hostile_input_and_refusals_save_nothing(world, personas):
    failures, refused_but_saved = [], []
    urls = [(name, _url(name, pattern, prefix, world)) for name, pattern, prefix in _patterns()]
    urls = [(name, url) for name, url in urls if name not in SKIPPED]
    assert len(urls) > 60, "URL enumeration lost its patterns"
    seen_forms = 0
    before = _counts()
    for role_index, role in enumerate(ROLES):
        client = _client(personas[role])
        for url_index, (name, url) in enumerate(urls):
            baseline = _rolled_back(client.get, url)
            if baseline.status_code >= 500:
                failures.append(("GET", role, name, url, "baseline", baseline.status_code))
                continue
            page_forms = _forms_in(baseline.context)
            params = set(GENERIC_PARAMS)
            for form in page_forms:
                params.update(form.add_prefix(field) for field in form.fields)
            # one hostile value per (page, role) and another per form post, rotating so that
            # across roles and runs of the loop every page meets many different values
            for turn in range(1):
                value = HOSTILE[(url_index * 3 + role_index * 7 + turn) % len(HOSTILE)]
                response = _rolled_back(client.get, url, {param: value for param in params})
                if response.status_code >= 500:
                    failures.append(("GET", role, name, url, repr(value[:30]), response.status_code))
            # POST the page's own forms (or, for POST-only endpoints, the generic names)
            post_forms = page_forms or ([None] if baseline.status_code == 405 else [])
            for form_index, form in enumerate(post_forms):
                seen_forms += 1
                for turn in range(2):
                    value = HOSTILE[(url_index + role_index * 5 + form_index + turn * 11) % len(HOSTILE)]
                    if form is None:
                        data = {param: value for param in GENERIC_PARAMS}
                    else:
                        data = {}
                        for field_name, field in form.fields.items():
                            key = form.add_prefix(field_name)
                            if isinstance(field, forms.FileField):
                                data[key] = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")
                            else:
                                data[key] = value
                    # each post is rolled back, so every page sees the same world
                    with transaction.atomic():
                        response = client.post(url, data)
                        if response.status_code >= 500:
                            failures.append(("POST", role, name, url, repr(value[:30]), response.status_code))
                        elif response.status_code != 302:
                            after = _counts()
                            if after != before:
                                changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                                refused_but_saved.append((role, name, url, repr(value[:30]), changed))
                        transaction.set_rollback(True)
            connection.queries_log.clear()
    assert seen_forms > 20, "form discovery lost its forms"
    assert not failures, "500 answers:\n" + "\n".join(map(str, failures))
    assert not refused_but_saved, "refused but saved:\n" + "\n".join(map(str, refused_but_saved))
