"""Forms: they check the shape of input; rules live in ``orgs.services``.

Choice fields are limited to what the user may write (their communities,
units and party organisations), so a form never offers another scope's rows.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from orgs.models import (
    Gender,
    MemberStatus,
    OrgKind,
    OrgNode,
    PartyOrgType,
    Person,
    SeatOrigin,
    SeatPosition,
    UnitKind,
)
from orgs.selectors import org_node_list
from portal.roles import can

#: A browser date picker: ISO dates whatever the interface language.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return pgettext("punctuation", "%(name)s（%(detail)s）") % {
            "name": obj.name,
            "detail": obj.code,
        }


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        extra = obj.unit.name if obj.unit_id and obj.unit else ""
        if not extra:
            return obj.name
        return pgettext("punctuation", "%(name)s（%(detail)s）") % {
            "name": obj.name,
            "detail": extra,
        }


def editable_communities(user):
    nodes = org_node_list(user=user).filter(kind=OrgKind.COMMUNITY).order_by("code")
    return OrgNode.objects.filter(
        pk__in=[c.pk for c in nodes if can(user, "orgs.manage_tree", c)]
    ).order_by("code")


def street_communities(user):
    """Communities of the user's streets (where a person may live)."""
    visible = org_node_list(user=user).values_list("street_id", "pk", "kind")
    streets = {pk if kind == OrgKind.STREET else street for street, pk, kind in visible}
    return OrgNode.objects.filter(
        kind=OrgKind.COMMUNITY, street_id__in=streets
    ).order_by("code")


class UnitForm(forms.Form):
    community = NodeChoiceField(label=_("所属社区"), queryset=OrgNode.objects.none())
    name = forms.CharField(label=_("单位名称"), max_length=200)
    unit_kind = forms.ChoiceField(label=_("单位性质"), choices=UnitKind.choices)
    headcount = forms.IntegerField(label=_("职工人数"), min_value=0, required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    head = PersonChoiceField(
        label=_("负责人"), queryset=Person.objects.none(), required=False
    )

    def __init__(self, *args, user, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is None:
            self.fields["community"].queryset = editable_communities(user)
            del self.fields["head"]
        else:
            del self.fields["community"]
            self.fields["head"].queryset = Person.objects.filter(
                unit=unit
            ).select_related("unit")


class PartyOrgForm(forms.Form):
    name = forms.CharField(label=_("党组织名称"), max_length=200)
    party_org_type = forms.ChoiceField(
        label=_("党组织类型"), choices=PartyOrgType.choices
    )
    secretary = PersonChoiceField(
        label=_("书记"), queryset=Person.objects.none(), required=False
    )
    directly_managed = forms.BooleanField(
        label=_("由街道党工委直接领导"), required=False
    )

    def __init__(self, *args, user, parent, **kwargs):
        super().__init__(*args, **kwargs)
        if parent.kind == OrgKind.UNIT:
            people = Person.objects.filter(unit=parent)
        else:
            people = Person.objects.filter(community_id=parent.community_id or 0)
        self.fields["secretary"].queryset = people.select_related("unit").order_by(
            "name", "id"
        )
        if not can(user, "orgs.manage_tree", street_id=parent.street_id or parent.pk):
            del self.fields["directly_managed"]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    gender = forms.ChoiceField(
        label=_("性别"), choices=[("", "—"), *Gender.choices], required=False
    )
    birth_year = forms.IntegerField(
        label=_("出生年份"), min_value=1900, max_value=2100, required=False
    )
    community = NodeChoiceField(
        label=_("所属（居住）社区"), queryset=OrgNode.objects.none(), required=False
    )
    unit = NodeChoiceField(
        label=_("所在单位"), queryset=OrgNode.objects.none(), required=False
    )
    # Party membership, optional.
    is_member = forms.BooleanField(label=_("是党员"), required=False)
    party_org = NodeChoiceField(
        label=_("所在党组织"), queryset=OrgNode.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("党员类别"), choices=MemberStatus.choices, required=False
    )
    employer_unit = NodeChoiceField(
        label=_("工作单位（在职党员）"),
        queryset=OrgNode.objects.none(),
        required=False,
    )
    residence_community = NodeChoiceField(
        label=_("居住社区（在职、流动党员）"),
        queryset=OrgNode.objects.none(),
        required=False,
    )
    joined_on = forms.DateField(
        label=_("入党日期"),
        required=False,
        widget=DATE,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = org_node_list(user=user)
        communities = street_communities(user)
        units = visible.filter(kind=OrgKind.UNIT).order_by("code")
        self.fields["community"].queryset = communities
        self.fields["unit"].queryset = units
        self.fields["party_org"].queryset = visible.filter(
            kind=OrgKind.PARTY_ORG
        ).order_by("code")
        self.fields["employer_unit"].queryset = units
        self.fields["residence_community"].queryset = communities

    BASIC = ("name", "phone", "gender", "birth_year", "community", "unit")

    def basic_fields(self):
        return [self[n] for n in self.BASIC]

    def member_fields(self):
        return [self[n] for n in self.fields if n not in self.BASIC]

    def clean(self):
        data = super().clean()
        if data.get("is_member") and not data.get("party_org"):
            self.add_error("party_org", _("党员必须选择所在党组织。"))
        if data.get("is_member") and not data.get("status"):
            self.add_error("status", _("请选择党员类别。"))
        return data


class CompoundForm(forms.Form):
    name = forms.CharField(label=_("小区名称"), max_length=200)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    households = forms.IntegerField(
        label=_("户数"), min_value=0, required=False, initial=0
    )


class SeatForm(forms.Form):
    person = PersonChoiceField(label=_("人员"), queryset=Person.objects.none())
    position = forms.ChoiceField(
        label=_("职务"), choices=SeatPosition.choices, initial=SeatPosition.MEMBER
    )
    origin = forms.ChoiceField(label=_("产生方式"), choices=SeatOrigin.choices)
    term_start = forms.DateField(label=_("任期开始"), widget=DATE)
    term_end = forms.DateField(
        label=_("任期结束"),
        required=False,
        widget=DATE,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = candidates.select_related("unit")


class VacateForm(forms.Form):
    vacated_on = forms.DateField(label=_("离任日期"), widget=DATE)
    reason = forms.CharField(label=_("离任原因"), max_length=255)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument"
                ".spreadsheetml.sheet"
            }
        ),
    )
