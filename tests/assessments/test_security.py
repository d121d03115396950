"""Open redirects and malformed input on the review pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Review


@pytest.mark.parametrize(
    "back", ["https://evil.example/", "//evil.example/x", "https:///evil.example", "javascript:alert(1)"]
)
def test_review_start_never_redirects_off_site(scored_tree, personas, client_for, back):
    client = client_for(personas["unit_staff"])
    # year out of range makes the start fail and the view go "back"
    response = client.post(
        reverse("assessments:review-start"),
        {"branch": scored_tree["branch_b"].pk, "kind": "unit", "year": 1900, "back": back},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:worklist")


def test_review_start_goes_back_to_a_local_page(scored_tree, personas, client_for):
    client = client_for(personas["unit_staff"])
    back = reverse("assessments:worklist") + "?year=2026"
    response = client.post(
        reverse("assessments:review-start"),
        {"branch": scored_tree["branch_b"].pk, "kind": "unit", "year": 99999, "back": back},
    )
    assert response["Location"] == back


@pytest.mark.parametrize("year", [1900, 99999, "abc", "1e5", "-2026", "2026.5"])
def test_review_start_refuses_a_year_out_of_range(scored_tree, personas, client_for, year):
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("assessments:review-start"),
        {"branch": scored_tree["branch_b"].pk, "kind": "unit", "year": year},
        follow=True,
    )
    assert response.status_code == 200
    assert not Review.objects.filter(branch=scored_tree["branch_b"]).exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.mark.parametrize("branch", ["abc", "1e3", "", "\x00", "9" * 40])
def test_review_start_with_a_malformed_branch_is_404(scored_tree, personas, client_for, branch):
    client = client_for(personas["unit_staff"])
    response = client.post(reverse("assessments:review-start"), {"branch": branch, "kind": "unit"})
    assert response.status_code == (400 if "\x00" in branch else 404)


def test_evidence_refuses_a_renamed_executable_and_serves_safely(
    scored_tree, personas, client_for, settings, tmp_path, caplog
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments import services
    from assessments.models import Evidence

    settings.MEDIA_ROOT = tmp_path
    review = services.review_start(
        branch=scored_tree["branch_b"], kind="unit", year=2026, user=personas["admin"]
    )
    item = review.edition.items.first()
    client = client_for(personas["unit_staff"])
    url = reverse("assessments:evidence-upload", args=[review.pk])
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 60)
    client.post(url, {"item": item.pk, "file": exe})
    svg = SimpleUploadedFile("plan.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    client.post(url, {"item": item.pk, "file": svg})
    assert not Evidence.objects.exists()
    client.post(url, {"item": item.pk, "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.7 ok")})
    doc = Evidence.objects.get()
    response = client.get(reverse("assessments:evidence-download", args=[doc.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    (tmp_path / doc.file.name).unlink()
    assert client.get(reverse("assessments:evidence-download", args=[doc.pk])).status_code == 404
    assert "stored file missing" in caplog.text


@pytest.mark.parametrize(
    "score", ["NaN", "sNaN", "Infinity", "-inf", "1e-999999999", "1e999999999", "9" * 50, "abc"]
)
def test_hostile_scores_get_a_message_not_a_500(scored_tree, personas, client_for, score):
    from assessments import services

    review = services.review_start(
        branch=scored_tree["branch_a"], kind="unit", year=2026, user=personas["admin"]
    )
    item = review.scores.get(item__code="6.4").item
    response = client_for(personas["unit_staff"]).post(
        review.get_absolute_url(), {"version": review.version, f"score-{item.pk}": score}
    )
    assert response.status_code == 400
    assert "6.4：" in response.content.decode()
    assert review.scores.get(item=item).score is None or review.scores.get(item=item).score == 0


@pytest.mark.parametrize("version", ["abc", "", "1.5", "\x00", "9" * 40])
def test_malformed_version_is_the_conflict_message(scored_tree, personas, client_for, version):
    from assessments import services

    review = services.review_start(
        branch=scored_tree["branch_a"], kind="unit", year=2026, user=personas["admin"]
    )
    item = review.scores.get(item__code="6.4").item
    response = client_for(personas["unit_staff"]).post(
        review.get_absolute_url(), {"version": version, f"score-{item.pk}": "0.5"}
    )
    assert response.status_code in (400, 409)
    assert review.scores.get(item=item).score != Decimal("0.5")
