"""A large roster export becomes an export job: the progress page polls while the worker
writes, then reloads with the download link; the file downloads under its Chinese name.
axe-core runs on the progress page and on the finished page."""

import re

import pytest
from playwright.sync_api import expect

from branches.exportjobs import services, tasks
from branches.models import ExportJob
from tests.browser.axe import assert_no_serious_axe_violations
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_large_roster_export_shows_progress_then_the_download(
    settings, live_server, page, login, shot, tree, personas, monkeypatch, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_JOB_THRESHOLD = 2
    for _ in range(3):
        MemberFactory(branch=tree["branch_a"])
    monkeypatch.setattr(tasks.export_job_run, "delay", lambda job_id: None)  # the "worker" is this test
    login(page, personas["unit_staff"], "/members/")
    page.get_by_role("link", name="导出 Excel").click()
    expect(page.locator("#export-start")).to_be_visible()  # large: offered, not yet started
    assert_no_serious_axe_violations(page, "export offer")
    page.locator("#export-start").click()
    page.wait_for_url(re.compile(r"/exports/\d+/$"))
    job = ExportJob.objects.get()
    bar = page.locator("#export-progress-bar")
    expect(bar).to_be_visible()
    expect(page.locator("#export-progress")).to_contain_text("排队中")
    assert_no_serious_axe_violations(page, "export job (queued)")
    shot(page, "export-progress")

    assert services.export_job_run(job.pk) == "done"  # the worker finishes; the page reloads itself
    download_link = page.locator("#export-download")
    expect(download_link).to_be_visible(timeout=15_000)
    expect(page.locator("#export-progress")).to_contain_text("共 3 行，已生成")
    assert_no_serious_axe_violations(page, "export job (done)")
    shot(page, "export-done")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == "管辖范围 党员名册.xlsx"
