"""Forms of the support pages: they check the shape of input only.

Choices are limited to the user's scope (communities, budgets, units), so a
form never offers what the user may not see; the services decide the rules.
"""

import datetime
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from grids.models import Cell
from orgs.models import OrgKind, OrgNode
from portal.scope import scope_for
from support import selectors
from support.models import (
    AMOUNT,
    FUND_MOVEMENT_CHOICES,
    AttendanceStatus,
    Budget,
    BudgetLine,
    SocialOrgKind,
    SocialOrgStatus,
    WorkerType,
)
from support.notices import MAX_PERIOD_DAYS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _years(today=None):
    today = today or timezone.localdate()
    return [(y, str(y)) for y in range(today.year + 1, today.year - 6, -1)]


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ScopedForm(forms.Form):
    """A form whose ``community`` choices are the user's communities."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.scope = scope_for(user)
        super().__init__(*args, **kwargs)
        if "community" in self.fields:
            self.fields["community"].queryset = selectors.communities_in_scope(
                self.scope
            )

    def street(self):
        """Return the street for a street-level record: the user's only one,
        else the one chosen in the ``street`` field (several streets)."""
        streets = list(selectors.streets_in_scope(self.scope)[:2])
        if len(streets) == 1:
            return streets[0]
        return self.cleaned_data.get("street")


class StreetChoiceMixin:
    """Add a ``street`` choice only when the user sees several streets."""

    def add_street_field(self):
        streets = selectors.streets_in_scope(self.scope)
        if streets.count() > 1:
            self.fields["street"] = CommunityChoiceField(
                label=_("街道"), queryset=streets, required=False
            )


def parse_codes(text):
    return [code for code in re.split(r"[\s,，、;；]+", text or "") if code]


def cells_from_codes(text):
    """Return the cells named by the codes in ``text`` (unknown codes → error)."""
    codes = parse_codes(text)
    if not codes:
        return []
    cells = list(Cell.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {c.code for c in cells})
    if unknown:
        raise ValidationError(
            _("找不到网格编码：%s") % pgettext("punctuation", "、").join(unknown)
        )
    return cells


# -- workers ------------------------------------------------------------------------
class WorkerFilterForm(ScopedForm):
    community = CommunityChoiceField(
        label=_("社区"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    worker_type = forms.ChoiceField(
        label=_("类别"),
        choices=[("", _("全部"))] + WorkerType.choices,
        required=False,
    )
    status = forms.ChoiceField(
        label=_("在岗"),
        choices=[("active", _("在岗")), ("left", _("已离岗")), ("all", _("全部"))],
        required=False,
    )
    compliance = forms.ChoiceField(
        label=_("轮训"),
        choices=[("", _("全部")), ("under", _("不足两次")), ("met", _("已达标"))],
        required=False,
    )
    q = forms.CharField(label=_("姓名/单位/网格编码"), required=False, max_length=50)


class WorkerCreateForm(ScopedForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    worker_type = forms.ChoiceField(label=_("类别"), choices=WorkerType.choices)
    community = CommunityChoiceField(
        label=_("所在社区"), queryset=OrgNode.objects.none()
    )
    employer = forms.CharField(label=_("用人单位"), max_length=200)
    hired_on = forms.DateField(label=_("入职日期"), widget=DATE)
    cell_codes = forms.CharField(
        label=_("负责网格（编码）"),
        required=False,
        help_text=_("填写网格编码，多个用逗号或空格分隔；网格须在所选社区内。"),
    )
    note = forms.CharField(label=_("备注"), widget=forms.Textarea, required=False)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not re.fullmatch(r"1\d{10}", phone):
            raise ValidationError(_("请填写 11 位手机号。"))
        return phone

    def clean_cell_codes(self):
        return cells_from_codes(self.cleaned_data["cell_codes"])


class WorkerEditForm(forms.Form):
    employer = forms.CharField(label=_("用人单位"), max_length=200)
    hired_on = forms.DateField(label=_("入职日期"), widget=DATE)
    cell_codes = forms.CharField(
        label=_("负责网格（编码）"),
        required=False,
        help_text=_("填写网格编码，多个用逗号或空格分隔；网格须在本社区内。"),
    )
    note = forms.CharField(label=_("备注"), widget=forms.Textarea, required=False)

    def clean_cell_codes(self):
        return cells_from_codes(self.cleaned_data["cell_codes"])


class WorkerLeaveForm(forms.Form):
    left_on = forms.DateField(label=_("离岗日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


# -- trainings ---------------------------------------------------------------------
class TrainingFilterForm(ScopedForm):
    year = forms.TypedChoiceField(
        label=_("年度"), coerce=int, choices=(), required=False, empty_value=None
    )
    community = CommunityChoiceField(
        label=_("社区"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    q = forms.CharField(label=_("主题/授课人"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部"))] + _years()


class TrainingForm(StreetChoiceMixin, ScopedForm):
    community = CommunityChoiceField(
        label=_("社区"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("全街道"),
    )
    topic = forms.CharField(label=_("主题"), max_length=200)
    held_on = forms.DateField(label=_("培训日期"), widget=DATE)
    trainer = forms.CharField(label=_("授课人"), max_length=100)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    audience = forms.ChoiceField(
        label=_("培训对象"),
        choices=[("", _("社工和网格员"))] + WorkerType.choices,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_street_field()


class TrainingEditForm(forms.Form):
    topic = forms.CharField(label=_("主题"), max_length=200)
    held_on = forms.DateField(label=_("培训日期"), widget=DATE)
    trainer = forms.CharField(label=_("授课人"), max_length=100)
    location = forms.CharField(label=_("地点"), max_length=200, required=False)


class AttendanceForm(forms.Form):
    """One choice per eligible worker; "not recorded" leaves a row unchanged."""

    CHOICES = [("", _("未登记"))] + AttendanceStatus.choices

    def __init__(self, *args, workers, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for worker in workers:
            name = f"w{worker.pk}"
            self.fields[name] = forms.ChoiceField(
                label=worker.person.name,
                choices=self.CHOICES,
                required=False,
                initial=current.get(worker.pk, ""),
            )
            self.rows.append((worker, name))

    def statuses(self):
        """Return ``{worker id: status}`` for the rows the user changed."""
        return {
            int(name[1:]): self.cleaned_data[name]
            for name in self.changed_data
            if name.startswith("w") and self.cleaned_data[name]
        }

    def bound_rows(self):
        return [(worker, self[name]) for worker, name in self.rows]


# -- social organisations ------------------------------------------------------------
class SocialOrgFilterForm(ScopedForm):
    community = CommunityChoiceField(
        label=_("社区"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[("", _("全部"))] + SocialOrgKind.choices,
        required=False,
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部"))] + SocialOrgStatus.choices,
        required=False,
    )
    q = forms.CharField(label=_("名称/项目/负责人"), required=False, max_length=50)


class SocialOrgForm(StreetChoiceMixin, ScopedForm):
    community = CommunityChoiceField(
        label=_("所在社区"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("街道层面"),
    )
    name = forms.CharField(label=_("名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=SocialOrgKind.choices)
    activity = forms.CharField(
        label=_("活动项目"),
        max_length=50,
        required=False,
        help_text=_("如广场舞、腰鼓、太极。"),
    )
    incubated_on = forms.DateField(label=_("入孵日期"), widget=DATE)
    leader_name = forms.CharField(label=_("负责人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    members = forms.IntegerField(label=_("成员人数"), min_value=0, initial=0)
    registered = forms.BooleanField(label=_("已登记/备案"), required=False)
    venue = forms.CharField(label=_("活动场地"), max_length=200, required=False)
    note = forms.CharField(label=_("备注"), widget=forms.Textarea, required=False)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["community"]
        else:
            self.add_street_field()


class SocialOrgStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("新状态"), choices=SocialOrgStatus.choices)
    reason = forms.CharField(label=_("原因"), max_length=255)


# -- funds ------------------------------------------------------------------------------
class FundsFilterForm(ScopedForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=())
    community = CommunityChoiceField(
        label=_("社区"),
        queryset=OrgNode.objects.none(),
        required=False,
        empty_label=_("全部"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _years()


class SpendingFilterForm(FundsFilterForm):
    line = forms.ChoiceField(
        label=_("经费科目"),
        choices=[("", _("全部"))] + BudgetLine.choices,
        required=False,
    )


class BudgetForm(ScopedForm):
    community = CommunityChoiceField(label=_("社区"), queryset=OrgNode.objects.none())
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=())
    line = forms.ChoiceField(label=_("经费科目"), choices=BudgetLine.choices)
    amount = forms.DecimalField(label=_("预算金额（元）"), min_value=0, **AMOUNT)
    reason = forms.CharField(label=_("说明/调整原因"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _years()


class BudgetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.community.name} · {obj.year} · {obj.get_line_display()}"


class SpendingForm(ScopedForm):
    budget = BudgetChoiceField(label=_("经费科目"), queryset=Budget.objects.none())
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, **AMOUNT)
    spent_on = forms.DateField(label=_("支出日期"), widget=DATE)
    purpose = forms.CharField(label=_("用途"), max_length=255)
    payee = forms.CharField(label=_("收款方"), max_length=200, required=False)
    attachment = forms.FileField(label=_("凭证附件"), required=False)

    def __init__(self, *args, year, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = _(
            "发票、收据等凭证：PDF、JPG、PNG 或 xlsx/docx，不超过 %s。"
        ) % filesizeformat(settings.PORTAL_MAX_UPLOAD_BYTES)
        self.fields["budget"].empty_label = _("请选择社区和经费科目")
        budgets = (
            selectors.budgets_visible(self.scope)
            .filter(year=year)
            .select_related("community")
            .order_by("community__code", "line")
        )
        if community is not None:
            budgets = budgets.filter(community=community)
        self.fields["budget"].queryset = budgets


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=255)


# -- the special fund ------------------------------------------------------------------
class SpecialFundForm(StreetChoiceMixin, ScopedForm):
    name = forms.CharField(label=_("名称"), max_length=200)
    manager = forms.CharField(label=_("托管机构（第三方）"), max_length=200)
    manager_contact = forms.CharField(
        label=_("托管方联系人"), max_length=100, required=False
    )
    established_on = forms.DateField(label=_("设立日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_street_field()


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class FundEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=FUND_MOVEMENT_CHOICES)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=0, **AMOUNT)
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    counterparty = forms.CharField(
        label=_("出资方/受助方"),
        max_length=200,
        required=False,
        help_text=_("不填则取出资单位或受助社区的名称。"),
    )
    purpose = forms.CharField(label=_("用途/说明"), max_length=255, required=False)
    unit = UnitChoiceField(
        label=_("出资单位（注入时）"), queryset=OrgNode.objects.none(), required=False
    )
    community = CommunityChoiceField(
        label=_("受助社区（拨付时）"), queryset=OrgNode.objects.none(), required=False
    )

    def __init__(self, *args, fund, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgNode.objects.filter(
            street_id=fund.street_id, kind=OrgKind.UNIT
        ).order_by("code")
        self.fields["community"].queryset = OrgNode.objects.filter(
            street_id=fund.street_id, kind=OrgKind.COMMUNITY
        ).order_by("code")

    def clean(self):
        data = super().clean()
        if not data.get("counterparty") and not (
            data.get("unit") or data.get("community")
        ):
            raise ValidationError(_("请填写出资方/受助方，或选择单位/社区。"))
        return data


# -- notices --------------------------------------------------------------------------
class NoticeForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(label=_("结束日期"), widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise ValidationError(_("开始日期不能晚于结束日期。"))
            if (end - start) > datetime.timedelta(days=MAX_PERIOD_DAYS):
                raise ValidationError(_("通报期间不能超过一年。"))
        return data
