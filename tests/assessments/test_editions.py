from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments import rules, selectors, services
from assessments.models import Edition, Item


def test_default_edition_has_six_dimensions_adding_up_to_100(edition):
    dims = list(edition.dimensions.order_by("order"))
    assert [d.name for d in dims] == [
        "基本职责",
        "议事决策",
        "组织生活",
        "党员教育管理",
        "组织建设",
        "基础保障",
    ]
    assert sum(d.max_points for d in dims) == Decimal(100)
    assert edition.status == Edition.Status.PUBLISHED
    assert services.edition_problems(edition) == []
    assert [t.name for t in edition.tiers.all()] == ["示范", "达标", "基本达标", "不达标"]


def test_every_default_rule_key_is_registered(edition):
    keys = set(edition.items.exclude(rule_key="").values_list("rule_key", flat=True))
    assert keys <= rules.known_rule_keys()
    assert not rules.get_rule("org.term_on_time").pending
    assert not rules.get_rule("life.theme_day_monthly").pending  # real since monthly reports
    assert rules.get_rule("members.dues_paid").pending


def test_published_edition_cannot_be_edited(edition):
    item = edition.items.first()
    with pytest.raises(ValidationError) as exc:
        services.edition_part_save(edition=edition, instance=item, points=Decimal(9))
    assert "不能修改" in exc.value.messages[0]
    item.refresh_from_db()
    assert item.points != Decimal(9)


def test_clone_copies_structure_into_a_draft(edition):
    clone = services.edition_clone(edition=edition, name="2028 版", year=2028)
    assert clone.status == Edition.Status.DRAFT and clone.based_on == edition
    assert clone.items.count() == edition.items.count()
    assert clone.dimensions.count() == 6 and clone.tiers.count() == 4
    assert set(clone.items.values_list("dimension__edition", flat=True)) == {clone.pk}
    assert selectors.edition_diff(edition, clone) == []


def test_publish_validates_points_codes_and_rules(edition):
    draft = services.edition_clone(edition=edition, name="2028 版", year=2028)
    item = draft.items.get(code="1.1")
    services.edition_part_save(edition=draft, instance=item, points=Decimal(4))
    services.edition_part_save(edition=draft, instance=draft.items.get(code="1.2"), rule_key="no.such_rule")
    with pytest.raises(ValidationError) as exc:
        services.edition_publish(edition=draft)
    text = " ".join(exc.value.messages)
    assert "评分项合计16.0分，与维度分值15.0分不一致" in text
    assert "各维度分值合计" not in text  # dimensions still add up to 100
    assert "未登记的规则“no.such_rule”" in text
    draft.refresh_from_db()
    assert draft.status == Edition.Status.DRAFT


def test_duplicate_item_code_is_refused(edition):
    draft = services.edition_clone(edition=edition, name="2028 版", year=2028)
    dim = draft.dimensions.first()
    with pytest.raises(ValidationError) as exc:
        services.edition_part_save(
            edition=draft,
            instance=Item(),
            dimension=dim,
            code="1.1",
            requirement="x",
            points=1,
            mode=Item.Mode.MANUAL,
        )
    assert "编号" in " ".join(exc.value.messages)


def test_fixed_draft_publishes_and_diff_shows_changes(edition):
    draft = services.edition_clone(edition=edition, name="2028 版", year=2028)
    services.edition_part_save(edition=draft, instance=draft.items.get(code="1.1"), points=Decimal(2))
    services.edition_part_save(edition=draft, instance=draft.items.get(code="1.3"), points=Decimal(3))
    services.edition_part_delete(edition=draft, instance=draft.items.get(code="6.V"))
    services.edition_publish(edition=draft)
    draft.refresh_from_db()
    assert draft.status == Edition.Status.PUBLISHED and draft.published_at
    diff = {(c["code"], c["change"]) for c in selectors.edition_diff(edition, draft)}
    assert diff == {("1.1", "changed"), ("1.3", "changed"), ("6.V", "removed")}
    change = next(c for c in selectors.edition_diff(edition, draft) if c["code"] == "1.1")
    assert change["fields"] == [{"field": "points", "label": "分值", "old": Decimal(3), "new": Decimal(2)}]


def test_retire_only_published(edition):
    draft = services.edition_clone(edition=edition, name="2028 版", year=2028)
    with pytest.raises(ValidationError, match="只有已发布"):
        services.edition_retire(edition=draft)
    services.edition_retire(edition=edition)
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.RETIRED


def test_django_admin_shows_published_items_read_only(edition, personas, client_for):
    client = client_for(personas["admin"])
    item = edition.items.get(code="6.4")
    url = f"/admin/assessments/item/{item.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="points"' not in page.content.decode()
    client.post(url, {"points": "0.5"})
    item.refresh_from_db()
    assert item.points == Decimal(1)


def test_an_edition_whose_total_is_not_the_tier_basis_cannot_be_published(edition, personas, client_for):
    from branches.policy import policy_set

    draft = services.edition_clone(edition=edition, name="2028 版", year=2028)
    # consistent in itself (dimensions and items add up to 120), but the tiers are on a 100 scale
    Edition.objects.filter(pk=draft.pk).update(total_points=Decimal(120))
    dimension = draft.dimensions.order_by("order").first()
    services.edition_part_save(edition=draft, instance=dimension, max_points=dimension.max_points + 20)
    item = dimension.items.order_by("code").first()
    services.edition_part_save(edition=draft, instance=item, points=item.points + 20)
    draft.refresh_from_db()
    problems = services.edition_problems(draft)
    assert problems == ["总分120.0分与等次分数线的基准100分不一致：等次按100分制划定，请把总分设为100分。"]
    page = client_for(personas["admin"]).get(f"/assessments/editions/{draft.pk}/").content.decode()
    assert "等次分数线的基准100分" in page
    with pytest.raises(ValidationError):
        services.edition_publish(edition=draft)
    policy_set(key="assessment.tier_basis_points", value=120)
    assert services.edition_problems(draft) == []
