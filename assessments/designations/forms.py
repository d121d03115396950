from django import forms
from django.utils.translation import gettext_lazy as _

from ..guidance import dimensions
from ..models import Classification, Designation, FollowUp


class NominateForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=None)
    kind = forms.ChoiceField(label=_("认定类型"), choices=Designation.Kind.choices)
    reason = forms.CharField(label=_("推荐理由"), widget=forms.Textarea(attrs={"rows": 4}))
    dimensions = forms.MultipleChoiceField(
        label=_("特色维度"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    files = forms.FileField(label=_("佐证材料"), required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["dimensions"].choices = dimensions.choices()


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), widget=forms.Textarea(attrs={"rows": 2}))


class OverviewForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    grade = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部")), *Classification.Grade.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    unit = forms.IntegerField(label=_("单位"), required=False, widget=forms.HiddenInput)


class ClassifyForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class OverrideForm(forms.Form):
    grade = forms.ChoiceField(label=_("调整为"), choices=Classification.Grade.choices)
    reason = forms.CharField(label=_("调整理由"), max_length=300)


class FollowUpOpenForm(forms.Form):
    contact_leader_name = forms.CharField(label=_("联系点领导"), max_length=60)


class FollowUpFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("overdue", _("复评逾期")), *FollowUp.Status.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    unit = forms.IntegerField(label=_("单位"), required=False, widget=forms.HiddenInput)


class PlanItemForm(forms.Form):
    description = forms.CharField(label=_("整改事项"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(
        label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class CheckInForm(forms.Form):
    held_on = forms.DateField(
        label=_("跟进日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("情况记录"), widget=forms.Textarea(attrs={"rows": 2}))


class ReassessForm(forms.Form):
    score = forms.DecimalField(label=_("复评得分"), min_value=0, max_value=100, decimal_places=1)
    remark = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
