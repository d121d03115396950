from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Dimension, Edition, Item, Review, Tier


class EditionForm(forms.ModelForm):
    class Meta:
        model = Edition
        fields = ["name", "year", "total_points", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class CloneForm(forms.Form):
    name = forms.CharField(label=_("新版本名称"), max_length=80)
    year = forms.IntegerField(label=_("适用年度"), min_value=2000, max_value=2100)


class DimensionForm(forms.ModelForm):
    class Meta:
        model = Dimension
        fields = ["code", "name", "name_en", "order", "max_points"]


class ItemForm(forms.ModelForm):
    rule_key = forms.ChoiceField(label=_("规则标识"), required=False)

    class Meta:
        model = Item
        fields = [
            "dimension",
            "code",
            "order",
            "requirement",
            "requirement_en",
            "points",
            "evidence",
            "mode",
            "rule_key",
            "is_veto",
        ]
        widgets = {
            "requirement": forms.Textarea(attrs={"rows": 3}),
            "requirement_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = edition.dimensions.all()
        keys = sorted(rules.known_rule_keys())
        self.fields["rule_key"].choices = [("", "—")] + [
            (key, f"{key} · {rules.get_rule(key).label}") for key in keys
        ]
        self.fields["points"].widget.attrs["step"] = "0.5"

    def clean(self):
        data = super().clean()
        if data.get("mode") and data["mode"] != Item.Mode.MANUAL and not data.get("rule_key"):
            self.add_error("rule_key", _("自动计算或计算后确认的评分项必须指定规则。"))
        return data


class TierForm(forms.ModelForm):
    class Meta:
        model = Tier
        fields = ["code", "name", "min_score"]


# Interpolates when rendered, in the active language (a lazy string's % would translate at import).
_interpolate = lazy(lambda message, values: message % values, str)

PERIOD_CHOICES = (
    [("year-1", _("年度"))]
    + [(f"half-{n}", label) for n, label in ((1, _("上半年")), (2, _("下半年")))]
    + [(f"quarter-{n}", _interpolate(_("第%(n)d季度"), {"n": n})) for n in range(1, 5)]
)


class PeriodForm(forms.Form):
    """Period selector shared by the worklist, rankings and start forms."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    period = forms.ChoiceField(label=_("周期"), choices=PERIOD_CHOICES, required=False)

    def period_values(self):
        data = self.cleaned_data if self.is_valid() else {}
        kind, number = (data.get("period") or "year-1").split("-")
        return {
            "period_kind": kind,
            "year": data.get("year") or timezone.localdate().year,
            "period_no": int(number),
        }


class WorklistForm(PeriodForm):
    kind = forms.ChoiceField(
        label=_("评审类型"),
        required=False,
        choices=[
            (Review.Kind.UNIT, Review.Kind.UNIT.label),
            (Review.Kind.PROVINCIAL, Review.Kind.PROVINCIAL.label),
        ],
    )
    unit = forms.ChoiceField(label=_("单位"), required=False)
    status = forms.ChoiceField(
        label=_("评审状态"),
        required=False,
        choices=[("", _("全部")), ("none", _("未开始"))] + list(Review.Status.choices),
    )
    q = forms.CharField(label=_("搜索"), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("全部单位"))] + [(str(u.pk), u.name) for u in units]


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    item = forms.ModelChoiceField(label=_("评分项"), queryset=Item.objects.none())
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = edition.items.order_by("dimension__order", "order")
        self.fields["item"].label_from_instance = lambda item: f"{item.code} {item.requirement_text[:24]}"
        self.fields["item"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs["class"] = "form-control"
