from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TopicTag, TrainingEvent


class EventForm(forms.ModelForm):
    tags = forms.ModelMultipleChoiceField(
        label=_("专题"),
        queryset=TopicTag.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TrainingEvent
        fields = [
            "tier",
            "organizer",
            "title",
            "start_on",
            "end_on",
            "hours",
            "mode",
            "audience",
            "tags",
            "has_test",
        ]
        widgets = {
            "start_on": forms.DateInput(attrs={"type": "date"}),
            "end_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, organizers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer"].queryset = organizers


class ImportForm(forms.Form):
    file = forms.FileField(label=_("签到表（.xlsx）"))
