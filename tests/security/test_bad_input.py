"""Malformed input gets a clear message (form error or 400 page), never a 500."""

import pytest
from django import forms
from django.urls import reverse

from branches.models import Organization

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("branches:org-tree", {"q": "支部\x00"}),
        ("branches:member-list", {"q": "\x00"}),
        ("branches:member-list", {"name": "a\x00b"}),
        ("notifications:list", {"filter": "\x00"}),
    ],
)
def test_nul_byte_in_a_search_box_is_a_400_page(personas, client_for, name, params):
    response = client_for(personas["admin"]).get(reverse(name), params)
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()


def test_nul_byte_in_a_posted_comment_is_a_400_page(personas, client_for, tree):
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("branches:org-edit", args=[tree["branch_a"].pk]), {"name": "x\x00", "category": "other"}
    )
    assert response.status_code == 400
    assert Organization.objects.get(pk=tree["branch_a"].pk).name != "x\x00"


@pytest.mark.parametrize("value", ["a\x01b", "line\nbreak", "tab\there", "bell\x07", "esc\x1b[31m", "\x7f"])
def test_single_line_text_refuses_control_characters(personas, client_for, tree, value):
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("branches:org-edit", args=[tree["branch_a"].pk]),
        {"name": value, "category": "party_government", "units_covered": 1, "locations": 1},
    )
    assert response.status_code == 200
    assert "控制字符" in str(response.context["form"].errors)
    assert Organization.objects.get(pk=tree["branch_a"].pk).name == "甲厅第一党支部"


def test_multi_line_text_allows_newlines_and_tabs_but_not_other_controls():
    class Form(forms.Form):
        note = forms.CharField(widget=forms.Textarea)
        title = forms.CharField()

    assert Form({"note": "第一行\n\t第二行", "title": "标题"}).is_valid()
    assert not Form({"note": "响铃\x07", "title": "标题"}).is_valid()
    assert not Form({"note": "ok", "title": "两\n行"}).is_valid()
