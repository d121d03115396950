"""Input shape of the organization, roster, term and post pages. Rules live in services."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Member, Organization, Post, Term

Kind = Organization.Kind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "kind",
            "unit_name",
            "category",
            "is_joint",
            "units_covered",
            "is_temporary",
            "locations",
            "established_on",
            "unaffiliated_full_members",
        ]
        widgets = {"established_on": DateInput()}
        help_texts = {
            "unaffiliated_full_members": _(
                "仅机关党委填写：本单位未编入任何党支部（含联合党支部）的正式党员人数。"
            ),
            "units_covered": _("联合党支部覆盖的单位数。"),
            "locations": _("党员分布的办公地点数，用于判断是否需要划分党小组。"),
        }

    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The kind of an existing node is fixed: changing it would break the tree rules.
            del self.fields["kind"]
            kind = self.instance.kind
        else:
            allowed = [
                k for k, parents in Organization.ALLOWED_PARENTS.items() if parent and parent.kind in parents
            ]
            self.fields["kind"].choices = [(k, Kind(k).label) for k in allowed]
            kind = allowed[0] if len(allowed) == 1 else None
        if kind is not None and kind != Kind.UNIT_COMMITTEE:
            del self.fields["unaffiliated_full_members"]
            del self.fields["unit_name"]
        if kind == Kind.PARTY_CELL:
            for name in ("category", "is_joint", "units_covered", "is_temporary", "locations"):
                del self.fields[name]


class MemberForm(forms.ModelForm):
    # The version the editor started from; services.member_update refuses a stale one.
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": _("缺少版本号，请刷新页面后重新编辑。")}
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "number",
            "gender",
            "birth_date",
            "joined_on",
            "status",
            "probation_ends_on",
            "full_since",
            "cell",
            "is_leading_cadre",
            "state",
            "state_changed_on",
        ]
        widgets = {
            name: DateInput()
            for name in ("birth_date", "joined_on", "probation_ends_on", "full_since", "state_changed_on")
        }

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = Organization.objects.filter(
            parent=branch, kind=Kind.PARTY_CELL, is_active=True
        ).order_by("name")
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        else:
            del self.fields["version"]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == Member.Status.PROBATIONARY and not data.get("probation_ends_on"):
            self.add_error("probation_ends_on", _("预备党员必须填写预备期满日期。"))
        if status == Member.Status.FULL and data.get("probation_ends_on") and not data.get("full_since"):
            self.add_error("full_since", _("已转正的党员请填写转正日期。"))
        today = timezone.localdate()
        for name in ("birth_date", "joined_on", "full_since"):
            if data.get(name) and data[name] > today:
                self.add_error(name, _("日期不能晚于今天。"))
        return data


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["elected_on", "length_years", "has_committee"]
        widgets = {"elected_on": DateInput()}
        help_texts = {
            "has_committee": _(
                "正式党员 7 人以上的支部应设立支部委员会；不设委员会的只选举书记（可设副书记）。"
            ),
        }


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["member", "role", "started_on", "approved_on"]
        widgets = {"started_on": DateInput(), "approved_on": DateInput()}
        help_texts = {"approved_on": _("仅书记、副书记需要上级批准；其他职务填写无效。")}

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: (
            _("%(name)s（%(gender)s）")
            % {
                "name": m.name,
                "gender": m.get_gender_display(),
            }
        )


class DateForm(forms.Form):
    """One date for closing a term, ending a post or recording an approval."""

    day = forms.DateField(label=_("日期"), widget=DateInput())

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day"].initial = timezone.localdate()
        if label:
            self.fields["day"].label = label


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("姓名"))
    status = django_filters.ChoiceFilter(
        choices=Member.Status.choices, label=_("党员类别"), empty_label=_("全部")
    )
    state = django_filters.ChoiceFilter(choices=Member.State.choices, label=_("状态"), empty_label=_("全部"))
    is_leading_cadre = django_filters.BooleanFilter(
        label=_("党员领导干部"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]),
    )
    cell = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("党小组"), empty_label=_("全部")
    )

    class Meta:
        model = Member
        fields = ["q", "status", "state", "is_leading_cadre", "cell"]

    def __init__(self, *args, cells=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cells is None:
            del self.filters["cell"]
        else:
            self.filters["cell"].queryset = cells


class OrganizationMoveForm(forms.Form):
    """Where to move a node: only parents its kind may sit under, in the mover's editing scope,
    outside the node's own subtree."""

    new_parent = forms.ModelChoiceField(label=_("新的上级组织"), queryset=Organization.objects.none())

    def __init__(self, *args, organization, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = (
            candidates.filter(kind__in=Organization.ALLOWED_PARENTS[organization.kind], is_active=True)
            .exclude(path__startswith=organization.path)
            .exclude(pk=organization.parent_id)
            .order_by("path")
        )
