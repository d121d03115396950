"""Every date/time widget renders a saved value in the format the browser's date input accepts."""

import inspect
from datetime import date, datetime, time

import pytest
from django import forms
from django.utils import translation

import assessments.forms
import branches.forms
import branches.renewals.forms
import branches.reports.forms

MODULES = (branches.forms, branches.reports.forms, branches.renewals.forms, assessments.forms)
EXPECTED = {
    forms.DateField: (date(2026, 11, 13), "2026-11-13"),
    forms.DateTimeField: (datetime(2026, 11, 13, 9, 30), "2026-11-13 09:30"),
    forms.TimeField: (time(9, 30), "09:30"),
}


def form_classes():
    for module in MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def date_fields():
    found = []
    for cls in form_classes():
        for name, field in cls.base_fields.items():
            for kind, (value, text) in EXPECTED.items():
                if isinstance(field, kind):
                    found.append((f"{cls.__name__}.{name}", field, value, text))
                    break
    return found


def test_the_project_has_date_fields_to_check():
    assert len(date_fields()) >= 8


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_widget_renders_iso_in_every_language(language):
    wrong = []
    with translation.override(language):
        for label, field, value, text in date_fields():
            rendered = field.widget.format_value(value)
            if rendered != text:
                wrong.append(f"{label}: {rendered!r}")
            # and what it renders is accepted back
            assert field.to_python(rendered) is not None, label
    assert wrong == []
