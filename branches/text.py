"""Text input hygiene applied once to every form in the portal (and the Django admin).

Every ``forms.CharField`` (and its subclasses: email, URL, slug, regex fields, ModelForm text
fields, filter fields) refuses control characters with a message; tab, newline and carriage
return are allowed only where the widget is multi-line (a Textarea). Installed from
``BranchesConfig.ready`` so forms added later are covered without opting in. NUL never gets
this far: RejectNulBytesMiddleware answers 400.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(value, *, multiline):
    if not isinstance(value, str) or not value:
        return
    pattern = MULTI_LINE_FORBIDDEN if multiline else SINGLE_LINE_FORBIDDEN
    if pattern.search(value):
        raise ValidationError(
            _("含有不可见的控制字符，请删除后重新输入。")
            if multiline
            else _("含有换行、制表符或其他控制字符，请删除后重新输入。"),
            code="control_characters",
        )


_original_clean = forms.CharField.clean


def _clean_without_control_characters(self, value):
    cleaned = _original_clean(self, value)
    check_text(cleaned, multiline=isinstance(self.widget, forms.Textarea))
    return cleaned


def install():
    """Make every CharField refuse control characters (idempotent)."""
    if forms.CharField.clean is not _clean_without_control_characters:
        forms.CharField.clean = _clean_without_control_characters
