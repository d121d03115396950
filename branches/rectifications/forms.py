from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import RectificationItem


class FilterForm(forms.Form):
    unit = forms.IntegerField(label=_("单位"), required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("overdue", _("已逾期")), *RectificationItem.Status.choices],
    )


class SubmitForm(forms.Form):
    response = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))
    files = forms.FileField(label=_("佐证材料"), required=False)


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 3}))
