from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Target


class TargetForm(forms.Form):
    kind = forms.ChoiceField(label=_("目标类型"), choices=Target.Kind.choices, widget=forms.RadioSelect)
    value = forms.FloatField(label=_("目标值"), required=False, help_text=_("“好于上年”类型不填。"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Target.Kind.VALUE and data.get("value") is None:
            self.add_error("value", _("“达到目标值”类型必须填写目标值。"))
        return data
