"""Every rule's and designation criterion's "no data" hint is translatable and English under English."""

import re
from datetime import date

import pytest
from django.template import Context, Template
from django.utils import translation

from assessments import rules
from assessments.designations import criteria
from tests.factories import make_org

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
PERIOD = rules.Period(start=date(2026, 1, 1), end=date(2026, 12, 31))


@pytest.fixture
def bare_branch(tree):
    """A branch with no roster, no term, no records: every rule has nothing to go on."""
    return make_org("空白党支部", tree["branch_a"].kind, tree["unit_a"])


def no_data_details(evaluate):
    with translation.override("zh-hans"):
        chinese = evaluate()
    with translation.override("en"):
        english = evaluate()
    return chinese, english


def test_every_registered_rule_explains_missing_data_in_english(bare_branch):
    checked, problems = 0, []
    for key in sorted(rules.known_rule_keys()):
        chinese, english = no_data_details(lambda key=key: rules.evaluate(key, [bare_branch], PERIOD))
        zh, en = chinese[bare_branch.pk], english[bare_branch.pk]
        with translation.override("en"):
            if CJK.search(str(rules.get_rule(key).label)):
                problems.append(f"{key}: label {rules.get_rule(key).label}")
        if zh.has_data:
            continue
        checked += 1
        if CJK.search(en.detail):
            problems.append(f"{key}: evaluated under English: {en.detail}")
        # the stored (Chinese) hint is shown in English too (review page: |hint)
        with translation.override("en"):
            shown = Template("{% load portal %}{{ d|hint }}").render(Context({"d": zh.detail}))
        if CJK.search(shown):
            problems.append(f"{key}: stored hint shown under English: {shown}")
    assert checked >= 5  # a bare branch leaves many rules without data
    assert not problems, "\n".join(problems)


def test_every_designation_criterion_explains_missing_data_in_english(bare_branch):
    problems = []
    for key, criterion in criteria.CRITERIA.items():
        chinese, english = no_data_details(
            lambda criterion=criterion: criterion.check([bare_branch], date(2026, 6, 1))
        )
        passed, detail = english[bare_branch.pk]
        if passed is None and CJK.search(str(detail)):
            problems.append(f"{key}: {detail}")
        with translation.override("en"):
            if CJK.search(str(criterion.label)):
                problems.append(f"{key} label: {criterion.label}")
    assert not problems, "\n".join(problems)
