"""Forms: they check the shape of input; the services hold the rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from evaluations import scoring, selectors
from evaluations.models import (
    CommitmentTheme,
    CreditLevel,
    Department,
    Grade,
)
from evaluations.months import parse_month


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (an ``<input type="month">``)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class RunStartForm(forms.Form):
    month = MonthField(label=_("评议月份"))

    def __init__(self, *args, street_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.street_id = street_id

    def clean_month(self):
        """Refuse a month that may not be run, saying why (the services' rule)."""
        month = self.cleaned_data["month"]
        if month is not None and self.street_id is not None:
            refusal = selectors.run_month_refusal(street_id=self.street_id, month=month)
            if refusal is not None:
                raise forms.ValidationError(refusal)
        return month


class OverrideForm(forms.Form):
    grade = forms.ChoiceField(label=_("调整为"), choices=Grade.choices)
    reason = forms.CharField(
        label=_("调整理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class PolicyForm(forms.Form):
    """Weights per component, monthly targets and the grade thresholds."""

    effective_month = MonthField(label=_("生效月份"))
    excellent_min = forms.DecimalField(
        label=_("优秀分数线"), min_value=0, max_value=100, decimal_places=2
    )
    good_min = forms.DecimalField(
        label=_("良好分数线"), min_value=0, max_value=100, decimal_places=2
    )
    fair_min = forms.DecimalField(
        label=_("一般分数线"), min_value=0, max_value=100, decimal_places=2
    )
    note = forms.CharField(label=_("修订说明"), max_length=500)

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        for component in scoring.UNIT_COMPONENTS:
            self.fields[f"unit_{component.key}"] = forms.IntegerField(
                label=_("单位 · %s 权重") % component.label,
                min_value=0,
                max_value=100,
            )
            if component.is_count:
                self.fields[f"target_{component.key}"] = forms.IntegerField(
                    label=_("单位 · %s 月目标") % component.label,
                    min_value=1,
                    max_value=1000,
                )
        for component in scoring.COMMITTEE_COMPONENTS:
            self.fields[f"committee_{component.key}"] = forms.IntegerField(
                label=_("委员会 · %s 权重") % component.label,
                min_value=0,
                max_value=100,
            )
        if policy is not None and not self.is_bound:
            self.initial.update(
                {
                    "excellent_min": policy.excellent_min,
                    "good_min": policy.good_min,
                    "fair_min": policy.fair_min,
                    **{f"unit_{k}": v for k, v in policy.unit_weights.items()},
                    **{f"target_{k}": v for k, v in policy.targets.items()},
                    **{
                        f"committee_{k}": v for k, v in policy.committee_weights.items()
                    },
                }
            )

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "effective_month": data["effective_month"],
            "unit_weights": {
                c.key: data[f"unit_{c.key}"] for c in scoring.UNIT_COMPONENTS
            },
            "committee_weights": {
                c.key: data[f"committee_{c.key}"] for c in scoring.COMMITTEE_COMPONENTS
            },
            "targets": {
                c.key: data[f"target_{c.key}"]
                for c in scoring.UNIT_COMPONENTS
                if c.is_count
            },
            "excellent_min": data["excellent_min"],
            "good_min": data["good_min"],
            "fair_min": data["fair_min"],
            "note": data["note"],
        }

    def unit_fields(self):
        return [self[f"unit_{c.key}"] for c in scoring.UNIT_COMPONENTS]

    def target_fields(self):
        return [self[f"target_{c.key}"] for c in scoring.UNIT_COMPONENTS if c.is_count]

    def committee_fields(self):
        return [self[f"committee_{c.key}"] for c in scoring.COMMITTEE_COMPONENTS]


STAR_CHOICES = [(n, "★" * n) for n in range(1, 6)]


class RatingDecisionForm(forms.Form):
    level = forms.ChoiceField(label=_("信用等级"), choices=CreditLevel.choices)
    stars = forms.TypedChoiceField(label=_("星级"), choices=STAR_CHOICES, coerce=int)
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("申诉理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    attachment = forms.FileField(
        label=_("证明材料（PDF、JPG 或 PNG，可不传）"), required=False
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("accept", _("采纳，改定评级")), ("reject", _("驳回，维持原评级"))],
        widget=forms.RadioSelect,
    )
    level = forms.ChoiceField(
        label=_("改定信用等级"), choices=CreditLevel.choices, required=False
    )
    stars = forms.TypedChoiceField(
        label=_("改定星级"),
        choices=[("", "—"), *STAR_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    reason = forms.CharField(
        label=_("处理意见"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class NoticeForm(forms.Form):
    department = forms.ChoiceField(label=_("通报部门"), choices=Department.choices)
    period_start = MonthField(label=_("起始月份"))
    period_end = MonthField(label=_("截止月份"))


class CommitmentForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    theme = forms.ChoiceField(label=_("主题"), choices=CommitmentTheme.choices)
    title = forms.CharField(label=_("承诺事项"), max_length=200)
    content = forms.CharField(
        label=_("具体内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class UnitViewForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    theme = forms.ChoiceField(label=_("主题"), choices=CommitmentTheme.choices)
    content = forms.CharField(
        label=_("意见建议"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class SurveyOpenForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("测评名称"), max_length=200, required=False)


class SurveyAnswerForm(forms.Form):
    """One 1–5 field and one comment per commitment of the survey's year."""

    def __init__(self, *args, commitments=(), answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        answers = answers or {}
        self.commitments = list(commitments)
        for commitment in self.commitments:
            previous = answers.get(commitment.pk)
            self.fields[f"score_{commitment.pk}"] = forms.TypedChoiceField(
                label=commitment.title,
                choices=[("", "—")]
                + [
                    (n, ngettext("%(n)s 分", "%(n)s 分", n) % {"n": n})
                    for n in range(5, 0, -1)
                ],
                coerce=int,
                required=False,
                empty_value=None,
                initial=previous.score if previous else None,
            )
            self.fields[f"comment_{commitment.pk}"] = forms.CharField(
                label=_("意见（可不填）"),
                max_length=500,
                required=False,
                initial=previous.comment if previous else "",
            )

    def rows(self):
        return [
            (c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"])
            for c in self.commitments
        ]

    def scores(self):
        return {
            c.pk: (
                self.cleaned_data[f"score_{c.pk}"],
                self.cleaned_data[f"comment_{c.pk}"],
            )
            for c in self.commitments
            if self.cleaned_data.get(f"score_{c.pk}")
        }
