"""Input shape of the renewal pages; business rules live in services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Post, Postponement
from branches.uploads import upload_validator

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def document_field(label):
    # The portal's one upload policy (branches/uploads.py): type by content, size limit.
    return forms.FileField(label=label, required=False, validators=[upload_validator])


class _Versioned(forms.Form):
    # The renewal's version when the page was drawn; a stale page cannot overwrite.
    version = forms.IntegerField(widget=forms.HiddenInput)


class StepForm(_Versioned):
    done_on = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    document = document_field(_("文件（请示、批复、名单等扫描件）"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ElectionForm(_Versioned):
    held_on = forms.DateField(label=_("选举大会日期"), widget=DATE, initial=timezone.localdate)
    expected_voters = forms.IntegerField(label=_("应到会有选举权党员（人）"), min_value=1)
    present_voters = forms.IntegerField(label=_("实到会有选举权党员（人）"), min_value=0)
    ballots_issued = forms.IntegerField(label=_("发出选票（张）"), min_value=0)
    ballots_returned = forms.IntegerField(label=_("收回选票（张）"), min_value=0)
    seats = forms.IntegerField(label=_("应选名额（名）"), min_value=1)
    document = document_field(_("选举大会记录、计票单"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"votes_{member.pk}"] = forms.IntegerField(
                label=member.name,
                min_value=0,
                required=False,
                help_text=_("是候选人时填写得票数，不是候选人留空"),
            )

    def vote_fields(self):
        return [self[f"votes_{member.pk}"] for member in self.members]

    def votes(self):
        return {
            member.pk: self.cleaned_data[f"votes_{member.pk}"]
            for member in self.members
            if self.cleaned_data.get(f"votes_{member.pk}") is not None
        }


class ResultsForm(_Versioned):
    done_on = forms.DateField(label=_("上报日期"), widget=DATE, initial=timezone.localdate)
    document = document_field(_("选举结果报告"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    ROLES = (
        Post.Role.SECRETARY,
        Post.Role.DEPUTY_SECRETARY,
        Post.Role.ORGANIZATION,
        Post.Role.PUBLICITY,
        Post.Role.DISCIPLINE,
    )

    def __init__(self, *args, elected, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(member.pk, member.name) for member in elected]
        for role in self.ROLES:
            self.fields[role] = forms.TypedChoiceField(
                label=Post.Role(role).label,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=role == Post.Role.SECRETARY,
            )
        # Show the posts before the date and files.
        self.order_fields([*self.ROLES, "done_on", "document", "note"])

    def posts(self):
        return {role: self.cleaned_data.get(role) for role in self.ROLES}


class PostponementForm(forms.Form):
    kind = forms.ChoiceField(label=_("申请类型"), choices=Postponement.Kind.choices)
    until = forms.DateField(label=_("延期后的换届期限 / 提前换届的选举日期"), widget=DATE)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("批准")), ("0", _("不予批准"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)
