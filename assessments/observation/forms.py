from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Edition, VisitMember
from branches.models import Organization, User


class DateInput(forms.DateInput):
    input_type = "date"


class RoundForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("名称"), max_length=120)
    edition = forms.ModelChoiceField(
        label=_("评分标准版本"), queryset=Edition.objects.filter(status=Edition.Status.PUBLISHED)
    )
    units = forms.ModelMultipleChoiceField(
        label=_("参加单位"),
        queryset=Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE, is_active=True),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    branches_per_unit = forms.IntegerField(label=_("每单位抽取支部数"), min_value=1, max_value=20, initial=2)
    mandatory_keys = forms.MultipleChoiceField(
        label=_("必查支部"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("这些支部一律列入观摩，不占随机抽取名额。"),
    )
    window_start = forms.DateField(label=_("观摩开始日期"), widget=DateInput)
    window_end = forms.DateField(label=_("观摩结束日期"), widget=DateInput)


class VisitForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput)
    place = forms.CharField(label=_("地点"), max_length=120, required=False)


class TeamForm(forms.Form):
    user = forms.ModelChoiceField(label=_("成员"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=VisitMember.Role.choices)
    unit = forms.ModelChoiceField(label=_("代表单位"), queryset=Organization.objects.none(), required=False)

    def __init__(self, *args, users, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["unit"].queryset = units


class DeclarationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("相关单位"), queryset=Organization.objects.none())
    reason = forms.CharField(label=_("说明"), max_length=200)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ProblemForm(forms.Form):
    description = forms.CharField(label=_("问题"), max_length=300)
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput)


def _source_choices():
    from . import sampling

    return [(source.key, source.label) for source in sampling.mandatory_sources()]


def round_form(*args, **kwargs):
    form = RoundForm(*args, **kwargs)
    form.fields["mandatory_keys"].choices = _source_choices()
    form.fields["mandatory_keys"].initial = [key for key, _label in _source_choices()]
    return form
