"""One word per status everywhere (issue #8): the words of the model choice labels.

A state is 已报送 / 已退回 / 已通过 … as its model names it; notices, messages, templates, scripts
and exports never say 被退回, 通过审核, 已审核通过 … for the same state, in Chinese or English.
"""

import re
from pathlib import Path

import pytest
from django.utils import translation

from branches.models import MonthlyReport
from notifications.registry import render as render_notice

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("branches", "assessments", "training", "notifications", "dashboards", "branchportal")
# Variant → the word used everywhere (the model's choice label).
ZH_VARIANTS = {
    "被退回": "已退回",
    "已退回修改": "已退回",
    "通过审核": "已通过",
    "已审核通过": "已通过",
    "已采纳": "已通过",
    "已获批复": "已批复",
    "已驳回": "已退回",
}
# English wording of the same states (msgstr of the translation catalogue).
EN_VARIANTS = ("returned for changes", "returned for revision", "report was accepted")
LITERAL = re.compile(r"""(["'])((?:(?!\1).)*)\1""")


def source_files():
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "templates").rglob("*.txt")
    yield from (ROOT / "static" / "js").glob("*.js")


def test_no_status_variant_in_the_source_tree():
    found = []
    for path in source_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for variant, word in ZH_VARIANTS.items():
                if variant in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {variant} (say {word})")
    assert not found, "\n".join(found)


def test_no_status_variant_in_the_english_catalogue():
    po = (ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    strings = re.findall(r'^msgstr "(.*)"$', po, flags=re.MULTILINE)
    found = [s for s in strings for variant in EN_VARIANTS if variant in s]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("kind", "status"),
    [("report_returned", MonthlyReport.Status.RETURNED), ("report_accepted", MonthlyReport.Status.ACCEPTED)],
)
def test_report_notices_name_the_state_with_the_model_label(kind, status):
    params = {"branch": "第一党支部", "year": "2026", "month": "03", "comment": ""}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            title, _body = render_notice(kind, params)
            word = str(status.label)
        if language == "en":
            assert word.lower() in title.lower(), (title, word)
        else:
            assert title.endswith(word), (title, word)
