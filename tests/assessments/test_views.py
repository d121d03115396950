from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from assessments import panels, services
from assessments.models import Evidence, Review
from branches.models import Organization, PolicySetting
from branches.policy import policy_set
from tests.conftest import database_unchanged
from tests.factories import make_org

from .conftest import finalized_review, full_marks, staff_branch


def start(branch, user, kind=Review.Kind.UNIT):
    return services.review_start(branch=branch, kind=kind, year=2026, user=user)


def test_unit_staff_cannot_open_or_start_another_units_branch(scored_tree, personas, client_for):
    other = start(scored_tree["branch_c"], personas["admin"])
    client = client_for(personas["unit_staff"])
    assert client.get(other.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("assessments:review-start"),
        {"branch": scored_tree["branch_c"].pk, "kind": "unit", "year": 2026},
    )
    assert response.status_code == 404
    assert (
        not Review.objects.filter(branch=scored_tree["branch_c"], kind="unit").exclude(pk=other.pk).exists()
    )


def test_unit_staff_cannot_score_a_provincial_review(scored_tree, personas, client_for):
    review = start(scored_tree["branch_a"], personas["provincial"], kind=Review.Kind.PROVINCIAL)
    client = client_for(personas["unit_staff"])
    with database_unchanged():
        response = client.post(review.get_absolute_url(), {"version": review.version})
    assert response.status_code == 403


def test_secretary_sees_own_finalized_review_but_not_drafts_or_other_branches(
    scored_tree, personas, client_for
):
    finalized = finalized_review(scored_tree["branch_a"], personas["unit_staff"])
    draft = start(scored_tree["branch_a"], personas["provincial"], kind=Review.Kind.PROVINCIAL)
    other = finalized_review(scored_tree["branch_c"], personas["admin"])
    client = client_for(personas["secretary"])
    page = client.get(finalized.get_absolute_url())
    assert page.status_code == 200
    assert "示范" in page.content.decode() and "100.0" in page.content.decode()
    assert 'name="score-' not in page.content.decode()  # read-only
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(other.get_absolute_url()).status_code == 404
    mine = client.get(reverse("assessments:mine")).content.decode()
    assert "机关党委评审" in mine and "乙厅" not in mine


def test_secretary_files_self_assessment_but_cannot_finalize_it(scored_tree, personas, client_for):
    client = client_for(personas["secretary"])
    response = client.post(
        reverse("assessments:review-start"),
        {"branch": scored_tree["branch_a"].pk, "kind": "self", "year": 2026, "period": "year-1"},
    )
    review = Review.objects.get(branch=scored_tree["branch_a"], kind="self")
    assert response.url == review.get_absolute_url()
    services.review_save_scores(
        review=review, user=personas["secretary"], version=review.version, entries=full_marks(review)
    )
    client.post(reverse("assessments:review-action", args=[review.pk, "submit"]))
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    with database_unchanged():
        response = client.post(reverse("assessments:review-action", args=[review.pk, "finalize"]))
    assert response.status_code == 403
    client_for(personas["unit_staff"]).post(
        reverse("assessments:review-action", args=[review.pk, "finalize"])
    )
    review.refresh_from_db()
    assert review.status == Review.Status.FINALIZED


def test_secretary_cannot_start_a_unit_review(scored_tree, personas, client_for):
    response = client_for(personas["secretary"]).post(
        reverse("assessments:review-start"),
        {"branch": scored_tree["branch_a"].pk, "kind": "unit", "year": 2026},
    )
    assert response.status_code == 403


def test_scoring_page_saves_and_reports_conflict(scored_tree, personas, client_for):
    review = start(scored_tree["branch_a"], personas["unit_staff"])
    item = review.scores.get(item__code="6.3").item
    client = client_for(personas["unit_staff"])
    data = {"version": review.version, f"score-{item.pk}": "1.5", f"comment-{item.pk}": "活动室已设"}
    assert client.post(review.get_absolute_url(), data).status_code == 302
    response = client.post(review.get_absolute_url(), {**data, f"score-{item.pk}": "0.5"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "已被他人修改" in body and 'value="0.5"' in body  # the scorer's input is kept on the page
    assert review.scores.get(item=item).score == Decimal("1.5")


def test_invalid_score_is_shown_not_saved(scored_tree, personas, client_for):
    review = start(scored_tree["branch_a"], personas["unit_staff"])
    item = review.scores.get(item__code="6.4").item
    response = client_for(personas["unit_staff"]).post(
        review.get_absolute_url(), {"version": review.version, f"score-{item.pk}": "3"}
    )
    assert response.status_code == 400
    assert "6.4：得分应在0到1.0分之间。" in response.content.decode()


@contextmanager
def override_policy(key, value):
    policy_set(key=key, value=value)
    try:
        yield
    finally:
        PolicySetting.objects.filter(key=key).delete()


def test_evidence_upload_checks_type_and_size(scored_tree, personas, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    review = start(scored_tree["branch_a"], personas["unit_staff"])
    item = review.scores.get(item__code="6.3").item
    client = client_for(personas["unit_staff"])
    url = reverse("assessments:evidence-upload", args=[review.pk])
    response = client.post(url, {"item": item.pk, "file": SimpleUploadedFile("a.exe", b"MZ")}, follow=True)
    assert "不支持的文件类型“exe”" in response.content.decode()
    response = client.post(
        url, {"item": item.pk, "file": SimpleUploadedFile("plan.pdf", b"MZ\x90")}, follow=True
    )
    assert "文件内容与扩展名“pdf”不符" in response.content.decode()
    with override_policy("assessment.evidence_max_mb", 0):
        response = client.post(
            url, {"item": item.pk, "file": SimpleUploadedFile("big.pdf", b"%PDF-1.7")}, follow=True
        )
    assert "文件过大（0.0 MB），上限为 0.0 MB。" in response.content.decode()
    client.post(url, {"item": item.pk, "file": SimpleUploadedFile("活动室.jpg", b"\xff\xd8\xffdat")})
    doc = Evidence.objects.get(review=review)
    assert doc.original_name == "活动室.jpg" and doc.size == 6 and len(doc.sha256) == 64
    assert client.get(reverse("assessments:evidence-download", args=[doc.pk])).status_code == 200
    assert (
        client_for(personas["outsider"])
        .get(reverse("assessments:evidence-download", args=[doc.pk]))
        .status_code
        == 404
    )


def test_history_print_and_exports(scored_tree, personas, client_for):
    review = finalized_review(scored_tree["branch_a"], personas["unit_staff"])
    client = client_for(personas["unit_staff"])
    history = client.get(reverse("assessments:review-history", args=[review.pk])).content.decode()
    assert "满分核实" in history
    printed = client.get(reverse("assessments:review-print", args=[review.pk])).content.decode()
    assert "党支部标准化规范化建设评审表" in printed and "示范" in printed
    sheet = client.get(reverse("assessments:review-export", args=[review.pk]))
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    worklist = client.get(reverse("assessments:worklist"), {"year": 2026, "export": "xlsx"})
    assert worklist.status_code == 200 and len(worklist.content) > 1000


def test_worklist_filters_by_status(scored_tree, personas, client_for):
    finalized_review(scored_tree["branch_a"], personas["unit_staff"])
    client = client_for(personas["unit_staff"])
    page = client.get(reverse("assessments:worklist"), {"year": 2026, "status": "none"}).content.decode()
    assert "甲厅第二党支部" in page and "甲厅第一党支部" not in page and "乙厅" not in page


def test_secretary_gets_403_on_worklist_and_editions(personas, client_for):
    client = client_for(personas["secretary"])
    assert client.get(reverse("assessments:worklist")).status_code == 403
    assert client.get(reverse("assessments:edition-list")).status_code == 403


def test_admin_edits_draft_edition_in_portal(edition, personas, client_for):
    client = client_for(personas["admin"])
    response = client.post(
        reverse("assessments:edition-action", args=[edition.pk, "clone"]), {"name": "2028 版", "year": 2028}
    )
    clone = edition.clones.get()
    assert response.url == clone.get_absolute_url()
    item = clone.items.get(code="6.4")
    url = reverse("assessments:edition-part", args=[clone.pk, "item", item.pk])
    form = client.get(url)
    assert form.status_code == 200
    client.post(
        url,
        {
            "dimension": item.dimension_id,
            "code": "6.4",
            "order": 4,
            "requirement": "经费有预算",
            "points": "1.5",
            "evidence": "",
            "mode": "manual",
            "rule_key": "",
        },
    )
    item.refresh_from_db()
    assert item.points == Decimal("1.5")
    detail = client.get(clone.get_absolute_url()).content.decode()
    assert "评分项合计10.5分，与维度分值10.0分不一致" in detail
    diff = client.get(reverse("assessments:edition-diff", args=[clone.pk])).content.decode()
    assert "6.4" in diff and "1.5" in diff
    # published editions refuse the same edit through the portal
    published_item = edition.items.get(code="6.4")
    client.post(
        reverse("assessments:edition-part", args=[edition.pk, "item", published_item.pk]),
        {
            "dimension": published_item.dimension_id,
            "code": "6.4",
            "order": 4,
            "requirement": "x",
            "points": "0.5",
            "mode": "manual",
        },
    )
    published_item.refresh_from_db()
    assert published_item.points == Decimal(1)


def test_home_panels(scored_tree, personas, rf):
    # Rendered directly: the foundation's own secretary panel links to pages of another feature.
    finalized_review(scored_tree["branch_a"], personas["unit_staff"])

    def render_panel(func, user):
        request = rf.get("/")
        request.user = user
        template, context = func(request)
        return render_to_string(template, {"panel": context}, request=request)

    secretary_html = render_panel(panels.secretary_result_panel, personas["secretary"])
    assert "标准化评审结果" in secretary_html and "示范" in secretary_html and "100.0" in secretary_html
    staff_html = render_panel(panels.staff_progress_panel, personas["unit_staff"])
    assert "机关党委评审进度" in staff_html
    assert panels.staff_progress_panel(type("R", (), {"user": personas["secretary"]})()) is None


@pytest.mark.parametrize("extra", [0, 12])
def test_worklist_query_count_is_constant(
    scored_tree, personas, client_for, django_assert_num_queries, extra
):
    for i in range(extra):
        branch = make_org(f"扩展支部{i}", Organization.Kind.BRANCH, scored_tree["unit_a"])
        staff_branch(branch, members=4, committee=False)
        if i % 2:
            finalized_review(branch, personas["unit_staff"])
    client = client_for(personas["unit_staff"])
    client.get(reverse("assessments:worklist"), {"year": 2026})  # warm-up
    with django_assert_num_queries(7):
        client.get(reverse("assessments:worklist"), {"year": 2026})


@pytest.mark.parametrize("files", [0, 5])
def test_scoring_page_query_count_is_constant(
    scored_tree, personas, client_for, django_assert_num_queries, files, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    review = start(scored_tree["branch_a"], personas["unit_staff"])
    own = start(scored_tree["branch_a"], personas["secretary"], kind=Review.Kind.SELF)
    codes = ["6.3", "6.4", "1.3", "2.6", "4.7"][:files]
    for code in codes:
        for target, user in ((own, personas["secretary"]), (review, personas["unit_staff"])):
            services.evidence_add(
                review=target,
                item=target.edition.items.get(code=code),
                upload=SimpleUploadedFile(f"{code}.pdf", b"%PDF-"),
                user=user,
            )
    client = client_for(personas["unit_staff"])
    client.get(review.get_absolute_url())
    with django_assert_num_queries(14):
        page = client.get(review.get_absolute_url())
    assert page.content.decode().count("bi-paperclip") == 2 * files


def test_quarter_review_started_from_worklist_covers_that_quarter(scored_tree, personas, client_for):
    client = client_for(personas["unit_staff"])
    client.post(
        reverse("assessments:review-start"),
        {"branch": scored_tree["branch_b"].pk, "kind": "unit", "year": 2026, "period": "quarter-3"},
    )
    review = Review.objects.get(branch=scored_tree["branch_b"])
    assert (review.period_kind, review.period_no) == ("quarter", 3)
    assert (review.period_start, review.period_end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert review.period_label == "2026年第3季度"
    page = client.get(reverse("assessments:worklist"), {"year": 2026, "period": "quarter-3"}).content.decode()
    assert f'href="{review.get_absolute_url()}"' in page
    assert (
        f'href="{review.get_absolute_url()}"'
        not in client.get(reverse("assessments:worklist"), {"year": 2026}).content.decode()
    )


def test_rankings_page_lists_finalized_reviews_with_ranks(scored_tree, personas, client_for):
    finalized_review(scored_tree["branch_a"], personas["admin"])
    finalized_review(scored_tree["branch_c"], personas["admin"])
    page = (
        client_for(personas["provincial"])
        .get(reverse("assessments:rankings"), {"year": 2026})
        .content.decode()
    )
    assert "甲厅第一党支部" in page and "乙厅第一党支部" in page and "1/2" in page


def test_admins_open_every_review_provincial_staff_can(scored_tree, personas, client_for):
    in_progress = start(scored_tree["branch_c"], personas["provincial"], kind=Review.Kind.PROVINCIAL)
    unit_draft = start(scored_tree["branch_a"], personas["unit_staff"])
    for review in (in_progress, unit_draft):
        assert client_for(personas["provincial"]).get(review.get_absolute_url()).status_code == 200
        assert client_for(personas["admin"]).get(review.get_absolute_url()).status_code == 200


def test_submitting_with_unsaved_score_edits_saves_them_first(scored_tree, personas, client_for):
    review = start(scored_tree["branch_a"], personas["unit_staff"])
    post = {"version": review.version}
    for item_id, entry in full_marks(review).items():
        post[f"score-{item_id}"] = entry["score"]
        post[f"reason-{item_id}"] = entry["reason"]
        if entry["veto"]:
            post[f"veto-{item_id}"] = "on"
    client = client_for(personas["unit_staff"])
    page = client.get(review.get_absolute_url()).content.decode()
    assert 'id="submit-review"' in page and 'formaction="' in page  # the submit button posts the score form
    client.post(reverse("assessments:review-action", args=[review.pk, "submit"]), post)
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert not review.scores.filter(score__isnull=True).exists()


def test_submitting_with_a_stale_version_refuses_and_says_so(scored_tree, personas, client_for):
    review = start(scored_tree["branch_a"], personas["unit_staff"])
    item_id = review.scores.values_list("item_id", flat=True).first()
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("assessments:review-action", args=[review.pk, "submit"]),
        {"version": review.version - 1, f"score-{item_id}": "1"},
        follow=True,
    )
    review.refresh_from_db()
    assert review.status != Review.Status.SUBMITTED
    assert "评分未能保存，评审未提交。" in response.content.decode()


def test_english_ui_shows_dimension_and_tier_names_in_english(scored_tree, personas, client_for):
    from django.utils import translation

    # LocaleMiddleware leaves the request's language active in this thread: restore Chinese.
    with translation.override("zh-hans"):
        _english_pages(scored_tree, personas, client_for)


def _english_pages(scored_tree, personas, client_for):
    from django.conf import settings

    review = start(scored_tree["branch_a"], personas["unit_staff"])
    client = client_for(personas["unit_staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(review.get_absolute_url()).content.decode()
    dimension = review.edition.dimensions.order_by("order").first()
    assert dimension.name_en and dimension.name_en in page
    assert f"{dimension.order}. {dimension.name}<" not in page
    assert "Model" in page and ":示范" not in page  # tier cut-offs for the live tier display
    form = client_for(personas["secretary"])
    form.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = form.get(f"/reports/branch/{scored_tree['branch_a'].pk}/activities/new/").content.decode()
    assert "Choose a type to see what the regulations expect." in html


def test_a_review_shows_the_edition_it_is_scored_against(scored_tree, personas, client_for):
    review = start(scored_tree["branch_a"], personas["unit_staff"])
    page = client_for(personas["unit_staff"]).get(review.get_absolute_url()).content.decode()
    assert f'<span id="review-edition">评分标准：{review.edition.name}</span>' in page
