"""Forms of the volunteers pages: they check shape only; services hold the rules."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from orgs.models import OrgKind, OrgNode
from orgs.selectors import community_list
from portal.scope import scope_for
from volunteers.models import (
    ActivityCategory,
    ActivityType,
    Attendance,
    GroupServiceType,
    PointsRule,
    PostKind,
    ServiceMode,
    Team,
    VolunteerKind,
    WishCategory,
)
from volunteers.selectors import team_list

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return pgettext("punctuation", "%(name)s（%(detail)s）") % {
            "name": obj.name,
            "detail": OrgKind(obj.kind).label,
        }


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=11,
        min_length=11,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    )
    community = OrgChoiceField(
        label=_("报到社区"),
        queryset=OrgNode.objects.filter(kind=OrgKind.COMMUNITY).order_by("code"),
        help_text=_("在职党员请选择居住地所在社区。"),
    )
    kind = forms.ChoiceField(
        label=_("身份"), choices=VolunteerKind.choices, initial=VolunteerKind.RESIDENT
    )
    employer_unit = OrgChoiceField(
        label=_("工作单位（在职党员必填）"),
        queryset=OrgNode.objects.filter(kind=OrgKind.UNIT).order_by("code"),
        required=False,
    )
    skills = forms.CharField(label=_("特长"), max_length=200, required=False)


class StaffRegisterForm(RegisterForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = community_list(user=user)
        self.fields["community"].help_text = ""
        # Employers are units of the streets the user works in (an in-service
        # member may work anywhere in his street), never of another street.
        streets = self.fields["community"].queryset.values("street_id")
        self.fields["employer_unit"].queryset = OrgNode.objects.filter(
            kind=OrgKind.UNIT, street_id__in=streets
        ).order_by("code")


def publishable_nodes(user):
    """Return the org nodes on whose behalf ``user`` may publish an activity."""
    scope = scope_for(user)
    if scope.is_superuser:
        return OrgNode.objects.filter(kind__in=[OrgKind.STREET, OrgKind.COMMUNITY])
    return OrgNode.objects.filter(
        Q(pk__in=scope.street_ids)
        | Q(pk__in=scope.community_ids, kind=OrgKind.COMMUNITY)
        | Q(pk__in=scope.unit_ids)
    )


class ActivityForm(forms.Form):
    publisher = OrgChoiceField(label=_("发布方"), queryset=OrgNode.objects.none())
    title = forms.CharField(label=_("名称"), max_length=200)
    category = forms.ChoiceField(label=_("类别"), choices=ActivityCategory.choices)
    activity_type = forms.ChoiceField(label=_("服务类型"), choices=ActivityType.choices)
    service_mode = forms.ChoiceField(
        label=_("服务方式"), choices=ServiceMode.choices, initial=ServiceMode.VOLUNTARY
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT],
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT],
    )
    capacity = forms.IntegerField(label=_("招募人数"), min_value=1, max_value=10000)
    points_per_hour = forms.IntegerField(
        label=_("每小时积分"),
        min_value=0,
        max_value=1000,
        required=False,
        help_text=_("不填则按该服务类型的积分规则。"),
    )
    team = forms.ModelChoiceField(
        label=_("承办团队"), queryset=Team.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        nodes = publishable_nodes(user).order_by("tree_id", "lft")
        self.fields["publisher"].queryset = nodes
        if len(nodes) == 1:
            self.fields["publisher"].initial = nodes[0].pk
        self.fields["team"].queryset = team_list(user=user).order_by("name")

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        return data


class TeamForm(forms.Form):
    name = forms.CharField(label=_("团队名称"), max_length=100)
    community = OrgChoiceField(
        label=_("所属社区"), queryset=OrgNode.objects.none(), required=False
    )
    service_area = forms.CharField(label=_("服务范围"), max_length=200, required=False)
    description = forms.CharField(
        label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["community"].queryset = community_list(user=user)
        if not scope.is_street_level:
            self.fields["community"].required = True


class ClaimableForm(forms.Form):
    community = OrgChoiceField(label=_("社区"), queryset=OrgNode.objects.none())
    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    resident_name = forms.CharField(label=_("居民姓名"), max_length=50, required=False)
    resident_address = forms.CharField(
        label=_("居民地址"), max_length=200, required=False
    )
    resident_phone = forms.CharField(label=_("居民电话"), max_length=20, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities = community_list(user=user)
        self.fields["community"].queryset = communities
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk


class WishForm(ClaimableForm):
    category = forms.ChoiceField(label=_("类别"), choices=WishCategory.choices)


class PostForm(ClaimableForm):
    kind = forms.ChoiceField(label=_("岗位类别"), choices=PostKind.choices)


class ClaimForm(forms.Form):
    as_unit = OrgChoiceField(
        label=_("以单位名义认领"), queryset=OrgNode.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_unit"].queryset = OrgNode.objects.filter(
            pk__in=scope_for(user).unit_ids
        )


class FulfilForm(forms.Form):
    photo = forms.FileField(
        label=_("完成照片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    note = forms.CharField(
        label=_("完成说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectionForm(forms.Form):
    points = forms.IntegerField(
        label=_("调整积分（正数增加，负数扣减）"), min_value=-100000, max_value=100000
    )
    reason = forms.CharField(label=_("原因"), max_length=255)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正原因"), max_length=255)


class ItemForm(forms.Form):
    name = forms.CharField(label=_("物品"), max_length=100)
    price = forms.IntegerField(label=_("所需积分"), min_value=1, max_value=100000)
    stock = forms.IntegerField(label=_("库存"), min_value=0, max_value=100000)
    description = forms.CharField(label=_("说明"), max_length=255, required=False)


class RestockForm(forms.Form):
    quantity = forms.IntegerField(label=_("补充数量"), min_value=1, max_value=100000)


class GroupEventForm(forms.Form):
    unit = OrgChoiceField(label=_("单位"), queryset=OrgNode.objects.none())
    service_type = forms.ChoiceField(
        label=_("服务类型"), choices=GroupServiceType.choices
    )
    title = forms.CharField(label=_("名称"), max_length=200)
    held_on = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    residents_served = forms.IntegerField(
        label=_("服务群众（人次）"), min_value=0, max_value=1_000_000
    )
    volunteers_count = forms.IntegerField(
        label=_("参与人数"), min_value=0, max_value=100_000, initial=0
    )
    description = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["unit"].queryset = (
            OrgNode.objects.filter(kind=OrgKind.UNIT)
            .filter(scope.org_q())
            .order_by("code")
        )


class RuleForm(forms.ModelForm):
    class Meta:
        model = PointsRule
        fields = ["points_per_hour", "late_percent", "max_hours", "min_points"]


ATTENDANCE_CHOICES = [
    (Attendance.PRESENT, Attendance.PRESENT.label),
    (Attendance.LATE, Attendance.LATE.label),
    (Attendance.ABSENT, Attendance.ABSENT.label),
]


class PartyConfirmForm(forms.Form):
    points = forms.IntegerField(label=_("党员积分"), min_value=0, max_value=100)
