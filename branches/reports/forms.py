from crispy_forms.helper import FormHelper
from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ..models import Activity, ActivityAttachment, MonthlyReport
from ..models.activities import ALLOWED_ATTACHMENT_EXTENSIONS
from .services import ATTENDANCE_FIELDS, REPORT_INPUT_FIELDS

# Interpolates when rendered, in the active language (a lazy string's % would translate at import).
_interpolate = lazy(lambda message, values: message % values, str)


class _NoFormTag:
    """Crispy renders fields only; templates own the <form> so several forms can share one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


Kind = Activity.Kind
# What the regulation expects of each type (domain.md §3.1), shown under the type selector.
KIND_HELP = {
    Kind.ASSEMBLY: _(
        "支部党员大会一般每季度召开 1 次；表决须有半数以上有表决权的正式党员到会，赞成票超过应到会有表决权正式党员的半数方可通过。"
    ),
    Kind.COMMITTEE: _("支部委员会会议一般每月召开 1 次，半数以上委员到会方可召开；重要事项先经支委会研究。"),
    Kind.CELL: _("党小组会一般每月召开 1 次（设有党小组的支部），须选择党小组。"),
    Kind.LECTURE: _("党课一般每季度至少 1 次，须填写授课人。"),
    Kind.THEME_DAY: _("主题党日每月开展 1 次，时间相对固定，事先确定主题、事后跟进落实。"),
    Kind.ORG_LIFE: _("组织生活会每年至少召开 1 次，一般在第四季度，会后形成整改清单。"),
    Kind.REVIEW: _("民主评议党员一般每年 1 次；预备党员参加评议但不评定等次，优秀一般不超过三分之一。"),
    Kind.TALK: _("谈心谈话：支委之间、支委与党员之间、党员之间每年一般至少 1 次。"),
    Kind.STUDY: _("集中学习每月组织，记录学习内容和参学人数。"),
    Kind.OTHER: _("其他组织生活，请在主题和纪要中写明内容。"),
}


class ActivityForm(_NoFormTag, forms.ModelForm):
    class Meta:
        model = Activity
        fields = (
            "kind",
            "held_on",
            "place",
            "chair",
            "recorder",
            "topic",
            "lecturer",
            "cell",
            *ATTENDANCE_FIELDS,
            "absent_members",
            "summary",
        )
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "absent_members": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, branch, members, cells, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["absent_members"].queryset = members
        self.fields["cell"].queryset = cells
        self.fields["cell"].help_text = _("仅党小组会填写。")
        self.fields["lecturer"].help_text = _("党课必填。")
        # Not via self["kind"]: a bound field copies the help text when first created.
        kind = (self.data.get(self.add_prefix("kind")) if self.is_bound else None) or self.instance.kind
        self.fields["kind"].help_text = KIND_HELP.get(kind or "", _("选择活动类型后显示制度要求。"))

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("absent_members")
        return data


class DecisionForm(forms.Form):
    subject = forms.CharField(label=_("表决事项"), max_length=200)
    votes_for = forms.IntegerField(label=_("赞成"), min_value=0)
    # No initial values: blank extra rows must stay "unchanged" so the formset skips them.
    votes_against = forms.IntegerField(label=_("反对"), min_value=0, required=False)
    votes_abstain = forms.IntegerField(label=_("弃权"), min_value=0, required=False)
    # "Not passed" rather than "passed": a pre-ticked box would make every blank extra row "changed".
    rejected = forms.BooleanField(label=_("未通过"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-check-input" if name == "rejected" else "form-control form-control-sm"
            )
            # Shown in a table whose column headers are the only visible labels.
            field.widget.attrs["aria-label"] = field.label

    def decision(self):
        data = dict(self.cleaned_data)
        data["passed"] = not data.pop("rejected")
        data["votes_against"] = data["votes_against"] or 0
        data["votes_abstain"] = data["votes_abstain"] or 0
        return data


DecisionFormSet = forms.formset_factory(DecisionForm, extra=2, max_num=20)


class ActivityDeleteForm(_NoFormTag, forms.Form):
    reason = forms.CharField(
        label=_("删除原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "例如：重复录入、录错支部。删除后该记录不再计入组织生活、月度报告和评分，但保留在变更记录中。"
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(_NoFormTag, forms.ModelForm):
    class Meta:
        model = ActivityAttachment
        fields = ("kind", "file")
        help_texts = {
            "file": _interpolate(_("支持 %(ext)s"), {"ext": ", ".join(ALLOWED_ATTACHMENT_EXTENSIONS)}),
        }


class ReportForm(_NoFormTag, forms.ModelForm):
    class Meta:
        model = MonthlyReport
        fields = REPORT_INPUT_FIELDS
        widgets = {
            "dues_handed_over_on": forms.DateInput(attrs={"type": "date"}),
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in (
                    "dues_arrears",
                    "study_topics",
                    "development_work",
                    "problems",
                    "next_month_plan",
                    "gap_reason",
                )
            },
        }


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


ALL_FILED = "all"


class QueueFilterForm(forms.Form):
    month = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None, required=False, empty_label=_("全部单位"))
    status = forms.ChoiceField(label=_("状态"), required=False)
    late = forms.ChoiceField(
        label=_("逾期"), required=False, choices=(("", _("全部")), ("1", _("逾期")), ("0", _("按时")))
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )
        self.fields["status"].choices = [("", _("待审核")), (ALL_FILED, _("全部已报送"))] + [
            c for c in MonthlyReport.Status.choices if c[0] != MonthlyReport.Status.DRAFT
        ]
