"""Item requirements in English: stored per edition, edited by admins, shown under English."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation

from assessments import default_edition, services
from assessments.models import Item

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_every_default_item_has_its_english_requirement(edition):
    items = list(edition.items.all())
    assert items and all(item.requirement_en for item in items)
    assembly = edition.items.get(code="2.1")
    assert assembly.requirement_en == "Members' assembly held in each quarter (4 of 4)"
    with translation.override("en"):
        assert assembly.requirement_text == assembly.requirement_en
    with translation.override("zh-hans"):
        assert assembly.requirement_text == assembly.requirement


def test_the_migration_fills_only_items_still_worded_as_the_default(edition):
    reworded = edition.items.get(code="1.1")
    Item.objects.filter(pk=reworded.pk).update(requirement="本省自定的要求", requirement_en="")
    untouched = edition.items.get(code="1.2")
    Item.objects.filter(pk=untouched.pk).update(requirement_en="")
    migration = importlib.import_module("assessments.migrations.0009_item_requirement_en")
    migration.fill_english(django_apps, None)
    assert Item.objects.get(pk=reworded.pk).requirement_en == ""
    assert Item.objects.get(pk=untouched.pk).requirement_en == default_edition.REQUIREMENTS_EN["1.2"]


def test_admin_edits_the_english_text_and_english_pages_show_it_with_a_chinese_fallback(
    edition, personas, client_for
):
    with translation.override("zh-hans"):
        draft = services.edition_clone(edition=edition, name="2028 草稿", year=2028)
        item = draft.items.get(code="2.1")
        fallback = draft.items.get(code="2.2")
        Item.objects.filter(pk=fallback.pk).update(requirement_en="")
        admin = client_for(personas["admin"])
        url = f"/assessments/editions/{draft.pk}/item/{item.pk}/"
        form = admin.get(url).content.decode()
        assert 'name="requirement_en"' in form
        data = {
            "dimension": item.dimension_id,
            "code": item.code,
            "order": item.order,
            "requirement": item.requirement,
            "requirement_en": "Assembly every quarter",
            "points": item.points,
            "evidence": item.evidence,
            "mode": item.mode,
            "rule_key": item.rule_key,
        }
        assert admin.post(url, data).status_code == 302
        item.refresh_from_db()
        assert item.requirement_en == "Assembly every quarter"

        page = english(admin).get(draft.get_absolute_url()).content.decode()
        assert "Assembly every quarter" in page and item.requirement not in page
        assert fallback.requirement in page  # no English text: the Chinese one
        chinese = client_for(personas["admin"])
        chinese.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        assert item.requirement in chinese.get(draft.get_absolute_url()).content.decode()
