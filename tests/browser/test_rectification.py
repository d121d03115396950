"""Journey: staff see an overdue rectification first; the secretary submits evidence; staff
verify it. axe-core finds no serious or critical violation on the three pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import RectificationItem, SourceKind
from branches.rectifications import services
from tests.browser.axe import assert_no_serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rectification_item_from_overdue_to_verified(
    live_server, page, tree, personas, tmp_path, login, shot
):
    today = timezone.localdate()
    services.rectification_create(
        organization=tree["branch_a"],
        source_kind=SourceKind.OBSERVATION_VISIT,
        description="党员活动室制度未上墙",
        deadline=today + timedelta(days=20),
    )
    late = services.rectification_create(
        organization=tree["branch_a"],
        source_kind=SourceKind.REVIEW,
        description="三会一课记录不全",
        deadline=today + timedelta(days=1),
    )
    RectificationItem.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=3))

    login(page, "unit_staff")
    page.goto(f"{live_server.url}/rectifications/")
    first = page.locator("#rectification-list tbody tr").first
    expect(first).to_contain_text("三会一课记录不全")
    expect(first).to_contain_text("已逾期")
    assert_no_serious_axe_violations(page)
    shot(page, "rectification-list")

    login(page, "secretary")
    page.goto(f"{live_server.url}/rectifications/{late.pk}/")
    assert_no_serious_axe_violations(page)
    evidence = tmp_path / "plan.pdf"
    evidence.write_bytes(b"%PDF-1.4 plan")
    page.fill("textarea[name=response]", "已补齐会议记录")
    page.set_input_files("input[name=files]", str(evidence))
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("#item-status")).to_have_text("已提交待核验")
    shot(page, "rectification-submitted")

    login(page, "unit_staff")
    page.goto(f"{live_server.url}/rectifications/{late.pk}/")
    page.get_by_role("button", name="核验销号").click()
    expect(page.locator("#item-status")).to_have_text("已核验销号")
    assert_no_serious_axe_violations(page)
