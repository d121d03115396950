"""Benchmark the guidance pages against the province-scale demo data (not a test).

    DATABASE_URL=postgres://... .venv/bin/python manage.py seed_demo --scale province
    DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark_guidance.py [--repeat 5]

Same output as ``benchmark_pages.py`` (median ms over the repeats, queries of one request) for
the classification overview, the follow-up list, FAQ search and the other guidance lists.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark_pages  # noqa: E402  (sets up Django)
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402


def pages():
    year = timezone.localdate().year - 1
    overview = reverse("designations:overview")
    follow_ups = reverse("designations:follow-ups")
    yield "classification overview (provincial staff)", "sheng", f"{overview}?year={year}"
    yield "classification overview, lagging (provincial)", "sheng", f"{overview}?year={year}&grade=lagging"
    yield "classification overview (unit staff)", "danwei", f"{overview}?year={year}"
    yield "follow-up list (provincial staff)", "sheng", follow_ups
    yield "follow-up list, overdue (provincial staff)", "sheng", f"{follow_ups}?status=overdue"
    yield "FAQ search 组织生活 (secretary)", "shuji", reverse("guidance:faq") + "?q=组织生活"
    yield "FAQ search 党费 (secretary)", "shuji", reverse("guidance:faq") + "?q=党费"
    yield "demonstration branches (secretary)", "shuji", reverse("designations:public")
    yield "designations (provincial staff)", "sheng", reverse("designations:list")
    yield "questions (provincial staff)", "sheng", reverse("guidance:questions")
    yield "unanswered questions (provincial staff)", "sheng", reverse("guidance:unanswered")
    yield "experience search 党日 (secretary)", "shuji", reverse("guidance:experiences") + "?q=党日"


if __name__ == "__main__":
    benchmark_pages.pages = pages
    benchmark_pages.main()
