from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import DutyAttachment, DutyRater, Grade
from branches import permissions
from branches.models import Organization, User
from branches.permissions import Action


class CycleForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("组织评议的党组织"), queryset=Organization.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    outline = forms.CharField(
        label=_("述职要点"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("每行一个标题，述职报告按这些标题撰写。"),
    )
    due_on = forms.DateField(label=_("报告提交截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    meeting_on = forms.DateField(label=_("述职评议会议日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            permissions.scope_q(user, Action.REVIEW),
            kind__in=[Organization.Kind.UNIT_COMMITTEE, Organization.Kind.WORK_COMMITTEE],
            is_active=True,
        ).order_by("path")


class CycleEditForm(forms.Form):
    outline = CycleForm.base_fields["outline"]
    due_on = CycleForm.base_fields["due_on"]
    meeting_on = CycleForm.base_fields["meeting_on"]
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReportForm(forms.Form):
    """One textarea per section of the report, in the outline's order."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, sections, initial_texts, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = sections
        for index, (section, text) in enumerate(zip(sections, initial_texts, strict=True)):
            self.fields[f"section_{index}"] = forms.CharField(
                label=section["heading"],
                required=False,
                initial=text,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def texts(self):
        return [self.cleaned_data[f"section_{i}"] for i in range(len(self.sections))]

    def section_fields(self):
        return [self[f"section_{i}"] for i in range(len(self.sections))]


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CommentForm(forms.Form):
    commenter_name = forms.CharField(label=_("点评人"), max_length=50)
    text = forms.CharField(label=_("点评意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class OverrideForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("调整后等次"), choices=[("", _("不调整（按测评结果）")), *Grade.choices], required=False
    )
    reason = forms.CharField(label=_("调整理由（党委决定）"), max_length=300, required=False)


class RaterForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    category = forms.ChoiceField(label=_("类别"), choices=DutyRater.Category.choices)
    username = forms.CharField(
        label=_("登录账号（可选）"),
        max_length=150,
        required=False,
        help_text=_("有账号的测评人凭本人账号在线测评；无账号的凭打印的票码测评。"),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("没有这个登录账号。"))
        return user


class SheetForm(forms.Form):
    sheet = forms.IntegerField(label=_("另行生成纸质票码数量"), min_value=0, max_value=500, initial=0)


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = DutyAttachment
        fields = ("file",)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("票码"), max_length=16)


class BallotForm(forms.Form):
    """One radio group per report on the ballot."""

    def __init__(self, *args, reports, **kwargs):
        super().__init__(*args, **kwargs)
        self.reports = list(reports)
        for report in self.reports:
            self.fields[f"r{report.pk}"] = forms.ChoiceField(
                label=f"{report.organization.name} {report.secretary_name}",
                choices=Grade.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择评价等次。")},
            )

    def grades(self):
        return {report.pk: self.cleaned_data[f"r{report.pk}"] for report in self.reports}

    def rows(self):
        return [(report, self[f"r{report.pk}"]) for report in self.reports]
