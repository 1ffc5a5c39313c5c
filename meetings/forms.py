"""Forms check the shape of input only; the rules live in ``meetings.services``."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from meetings.models import (
    ActionItemStatus,
    AttendanceStatus,
    AttendeeKind,
    InspectionResult,
    PlaceKind,
    ProblemSource,
)
from meetings.rotation import parse_month
from orgs.models import OrgKind, OrgNode


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking several files (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        # Content checks are the service's job (meetings.uploads): keep the files.
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from exc


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MeetingForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("会议时间"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place_kind = forms.ChoiceField(label=_("地点类型"), choices=PlaceKind.choices)
    place = forms.CharField(label=_("地点"), max_length=200)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    agenda = forms.CharField(
        label=_("议程"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项；问题清单会自动列入议程。"),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=255)


class AttendanceForm(forms.Form):
    """One radio group per seat, and names of resident representatives and guests."""

    residents = forms.CharField(
        label=_("居民代表"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个姓名。"),
    )
    guests = forms.CharField(
        label=_("列席嘉宾"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个姓名。"),
    )

    def __init__(self, *args, seats=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.seats = list(seats)
        for seat in self.seats:
            label = seat.person.name
            if seat.represents_id:
                label = pgettext("punctuation", "%(name)s（%(detail)s）") % {
                    "name": label,
                    "detail": seat.represents.name,
                }
            self.fields["seat_%s" % seat.pk] = forms.ChoiceField(
                label=label,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                initial=current.get(seat.pk, AttendanceStatus.PRESENT),
            )

    def seat_fields(self):
        return [self["seat_%s" % seat.pk] for seat in self.seats]

    def statuses(self):
        return {seat.pk: self.cleaned_data["seat_%s" % seat.pk] for seat in self.seats}

    def guest_list(self):
        out = []
        for kind, field in (
            (AttendeeKind.RESIDENT, "residents"),
            (AttendeeKind.GUEST, "guests"),
        ):
            for line in self.cleaned_data.get(field, "").splitlines():
                if line.strip():
                    out.append((kind, line.strip()))
        return out


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("会议纪要"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "data-minutes-source": ""}),
        help_text=_("可直接输入文字；用编辑栏可加粗、分条、加小标题。"),
    )
    files = MultipleFileField(
        label=_("照片和文件"),
        help_text=_("可多选：图片（JPG、PNG）、PDF、Word、Excel、PowerPoint。"),
    )
    note = forms.CharField(label=_("修改说明"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs["accept"] = (
            "image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"
        )


def _units(queryset):
    return queryset.filter(kind=OrgKind.UNIT).order_by("community__code", "code")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProblemForm(forms.Form):
    """A problem, and optionally its first action item in the same step (phones)."""

    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(
        label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[
            (ProblemSource.MEMBER_UNIT, ProblemSource.MEMBER_UNIT.label),
            (ProblemSource.RESIDENT, ProblemSource.RESIDENT.label),
        ],
    )
    reporter_name = forms.CharField(label=_("反映人"), max_length=100, required=False)
    reporter_unit = UnitChoiceField(
        label=_("反映单位"), queryset=OrgNode.objects.none(), required=False
    )
    raised_during_meeting = forms.BooleanField(label=_("会上提出"), required=False)
    item_unit = UnitChoiceField(
        label=_("责任单位"), queryset=OrgNode.objects.none(), required=False
    )
    item_title = forms.CharField(label=_("解决举措"), max_length=200, required=False)
    item_due_on = forms.DateField(
        label=_("完成时限"), required=False, widget=DateInput()
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["reporter_unit"].queryset = units
            self.fields["item_unit"].queryset = units

    def clean(self):
        data = super().clean()
        given = [data.get("item_unit"), data.get("item_title"), data.get("item_due_on")]
        if any(given) and not all(given):
            raise forms.ValidationError(
                _("同时登记举措时，请填写责任单位、举措内容和完成时限。")
            )
        return data


class ActionItemForm(forms.Form):
    unit = UnitChoiceField(label=_("责任单位"), queryset=OrgNode.objects.none())
    title = forms.CharField(label=_("解决举措"), max_length=200)
    due_on = forms.DateField(label=_("完成时限"), widget=DateInput())
    weight = forms.IntegerField(
        label=_("权重"),
        min_value=1,
        max_value=10,
        initial=1,
        help_text=_("问题进度按各举措的权重加权计算。"),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("上报原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("说明大党委为何难以协调解决，大工委会看到问题的全部经过。"),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("答复会反馈给反映人。"),
    )


class ActionItemUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("进展"),
        choices=[
            (ActionItemStatus.IN_PROGRESS, ActionItemStatus.IN_PROGRESS.label),
            (ActionItemStatus.DONE, ActionItemStatus.DONE.label),
        ],
        widget=forms.RadioSelect,
        initial=ActionItemStatus.IN_PROGRESS,
    )
    progress = forms.IntegerField(
        label=_("完成百分比"), min_value=0, max_value=99, required=False
    )
    evidence = forms.CharField(
        label=_("完成佐证"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("标记完成时必填：做了什么、效果如何。"),
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=500)
    files = MultipleFileField(label=_("佐证照片和文件"))


class RescheduleForm(forms.Form):
    due_on = forms.DateField(label=_("新的完成时限"), widget=DateInput())
    reason = forms.CharField(label=_("调整原因"), max_length=255)


class InspectionForm(forms.Form):
    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        for section, inspection in self.sections:
            self.fields["result_%s" % section.pk] = forms.ChoiceField(
                label="%s · %s" % (section.name, section.unit.name),
                choices=[("", _("未检查"))] + list(InspectionResult.choices),
                required=False,
                initial=inspection.result if inspection else "",
            )
            self.fields["note_%s" % section.pk] = forms.CharField(
                label=_("情况"),
                required=False,
                max_length=255,
                initial=inspection.note if inspection else "",
            )

    def rows(self):
        return [
            (section, self["result_%s" % section.pk], self["note_%s" % section.pk])
            for section, _inspection in self.sections
        ]

    def results(self):
        out = {}
        for section, _inspection in self.sections:
            result = self.cleaned_data.get("result_%s" % section.pk)
            if result:
                out[section.pk] = (
                    result,
                    self.cleaned_data.get("note_%s" % section.pk),
                )
        return out


class PostForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 4}))
    mirror = forms.BooleanField(
        label=_("同时发到委员会群（企业微信/钉钉）"), required=False
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("回复"), widget=forms.Textarea(attrs={"rows": 2}))


class SwapForm(forms.Form):
    month_a = MonthField(label=_("月份一"))
    month_b = MonthField(label=_("月份二"))
    reason = forms.CharField(label=_("调换原因"), max_length=255)


class ScheduleForm(forms.Form):
    month = MonthField(label=_("月份"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = timezone.localdate().strftime("%Y-%m")


class CampaignForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区"), queryset=OrgNode.objects.none())
    name = forms.CharField(label=_("名称"), max_length=200)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=DateInput())

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"].queryset = communities


class SectionForm(forms.Form):
    name = forms.CharField(label=_("片段名称"), max_length=200)
    area = forms.CharField(label=_("范围"), max_length=255, required=False)
    unit = UnitChoiceField(label=_("包保单位"), queryset=OrgNode.objects.none())

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
