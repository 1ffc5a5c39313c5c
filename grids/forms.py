"""Forms of the grid pages: they check shape only; services hold the rules."""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from grids.models import AssignmentRole, CaseCategory, CaseLevel, CaseStatus
from grids.photos import MAX_PHOTOS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files in one input; each is checked by ``portal.uploads`` (``grids.photos.PHOTOS``)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": "image/*", "multiple": True})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class CellChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        indent = "　" * max(0, obj.level - 1)
        return f"{indent}{obj.code} {obj.name}"


class CaseForm(forms.Form):
    cell = CellChoiceField(label=_("所在网格"), queryset=None)
    unit = forms.ModelChoiceField(label=_("反映单位"), queryset=None, required=False)
    category = forms.ChoiceField(label=_("类别"), choices=CaseCategory.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea)
    location = forms.CharField(label=_("具体位置"), max_length=200, required=False)
    deadline = forms.DateField(
        label=_("办理期限"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("不填则默认为 3 天"),
    )
    reporter_name = forms.CharField(
        label=_("代居民反映：反映人姓名"), max_length=50, required=False
    )
    reporter_phone = forms.CharField(
        label=_("反映人电话"), max_length=20, required=False
    )
    photos = PhotosField(
        label=_("照片"),
        # format_lazy: a module-level `%` would freeze the language of import time.
        help_text=format_lazy(_("最多 {} 张，JPEG、PNG 或 WebP"), MAX_PHOTOS),
    )

    def __init__(self, *args, cells, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = cells
        self.fields["unit"].queryset = units
        if not units.exists():
            del self.fields["unit"]


class VisitForm(forms.Form):
    cell = CellChoiceField(label=_("巡访网格/住户"), queryset=None)
    visited_on = forms.DateField(
        label=_("巡访日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    findings = forms.CharField(
        label=_("发现情况"), widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = PhotosField(label=_("照片"))
    report = forms.BooleanField(label=_("发现问题，同时上报为网格事件"), required=False)
    category = forms.ChoiceField(
        label=_("事件类别"),
        choices=[("", "—")] + list(CaseCategory.choices),
        required=False,
    )
    title = forms.CharField(label=_("事件标题"), max_length=120, required=False)

    def __init__(self, *args, cells, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = cells
        self.fields["visited_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("report") and not data.get("category"):
            self.add_error("category", _("上报事件时请选择类别。"))
        return data


class LeaderForm(forms.Form):
    leader = forms.ModelChoiceField(
        label=_("网格长"),
        queryset=None,
        required=False,
        empty_label=_("（暂缺）"),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = candidates


class AssignForm(forms.Form):
    person = forms.ModelChoiceField(label=_("人员"), queryset=None)
    role = forms.ChoiceField(label=_("职责"), choices=AssignmentRole.choices)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class ReasonForm(forms.Form):
    text = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CaseFilterForm(forms.Form):
    level = forms.ChoiceField(
        label=_("层级"),
        choices=[("", _("全部"))] + list(CaseLevel.choices),
        required=False,
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部"))] + list(CaseStatus.choices),
        required=False,
    )
    category = forms.ChoiceField(
        label=_("类别"),
        choices=[("", _("全部"))] + list(CaseCategory.choices),
        required=False,
    )
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    q = forms.CharField(label=_("关键词"), required=False)
