"""run_form maps a service's ValidationError onto the form; model_update saves changed fields only."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from branches.flow import NOT_DONE, model_update, run_form

pytestmark = pytest.mark.django_db


class NameForm(forms.Form):
    name = forms.CharField()


def refuse(data):
    raise ValidationError({"name": "名称已存在。", "other": "另一条规则。"})


def test_run_form_puts_service_errors_on_the_form():
    request = RequestFactory().post("/", {"name": "x"})
    form = NameForm(request.POST)
    assert run_form(request, form, refuse) is NOT_DONE
    assert form.errors["name"] == ["名称已存在。"] and form.non_field_errors() == ["另一条规则。"]
    assert run_form(request, NameForm(request.POST), lambda data: data["name"]) == "x"
    assert run_form(RequestFactory().get("/"), NameForm(), lambda data: 1) is NOT_DONE


def test_run_form_hands_service_errors_to_on_error_instead_of_the_form():
    request = RequestFactory().post("/", {"name": "x"})
    form, seen = NameForm(request.POST), []
    assert run_form(request, form, refuse, on_error=seen.append) is NOT_DONE
    assert form.errors == {} and seen[0].message_dict["name"] == ["名称已存在。"]


def test_run_form_asks_extra_valid_only_for_a_valid_form():
    asked = []

    def formset_valid():
        asked.append(1)
        return False

    request = RequestFactory().post("/", {"name": ""})
    assert run_form(request, NameForm(request.POST), lambda data: 1, extra_valid=formset_valid) is NOT_DONE
    assert asked == []
    request = RequestFactory().post("/", {"name": "x"})
    assert run_form(request, NameForm(request.POST), lambda data: 1, extra_valid=formset_valid) is NOT_DONE
    assert asked == [1]
    assert run_form(request, NameForm(request.POST), lambda data: 1, extra_valid=lambda: True) == 1


def test_model_update_saves_only_changes(tree):
    branch = tree["branch_a"]
    _obj, changed = model_update(instance=branch, fields=["name"], data={"name": branch.name})
    assert changed is False
    _obj, changed = model_update(instance=branch, fields=["name"], data={"name": "新名称", "ignored": 1})
    branch.refresh_from_db()
    assert changed is True and branch.name == "新名称"
