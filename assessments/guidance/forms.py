from django import forms
from django.utils.translation import gettext_lazy as _

from . import dimensions


class AskForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=None)
    dimension = forms.ChoiceField(label=_("维度"), choices=())
    title = forms.CharField(label=_("问题"), max_length=200)
    body = forms.CharField(label=_("详细说明"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        first = list(branches[:2])
        if len(first) == 1:
            self.fields["branch"].initial = first[0]
        self.fields["dimension"].choices = dimensions.choices()


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("解答"), widget=forms.Textarea(attrs={"rows": 5}))


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("合并到问题编号"), min_value=1)


class PublishForm(forms.Form):
    question_text = forms.CharField(label=_("常见问题标题"), required=False, max_length=500)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    dimension = forms.ChoiceField(
        label=_("维度"),
        required=False,
        choices=(),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = [("", _("全部维度")), *dimensions.choices()]


class ExperienceForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    summary = forms.CharField(label=_("做法介绍"), widget=forms.Textarea(attrs={"rows": 6}))
    dimensions = forms.MultipleChoiceField(
        label=_("维度"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    branch = forms.ModelChoiceField(label=_("来源支部"), queryset=None, required=False)
    files = forms.FileField(label=_("附件"), required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimensions"].choices = dimensions.choices()
        self.fields["branch"].queryset = branches
