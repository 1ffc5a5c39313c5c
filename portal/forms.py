"""How every form of the portal draws its labels and empty choices.

``FORM_RENDERER`` (settings) names :class:`FormRenderer`, so each app's forms
follow these rules without a base class of their own:

- a label ends in the language's colon, ``：`` in Chinese and ``:`` in
  English (``{{ field.label_tag }}``, or ``{{ field.label_colon }}`` after a
  label a template draws itself); a checkbox's label, which follows the box,
  and a label already ending in punctuation get none;
- an empty choice reads ``请选择`` instead of ``---------``
  (``templates/django/forms/widgets/select_option.html``).
"""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

#: The colon after a label, as the language writes it.
LABEL_SUFFIX = _("：")

#: Labels ending in one of these take no colon.
_ENDS_IN_PUNCTUATION = ":：?？.。!！"


def label_suffix_for(bound):
    """Return the colon that follows ``bound``'s label, or ``""``."""
    if bound.field.label_suffix is not None:
        return bound.field.label_suffix
    if isinstance(bound.field.widget, forms.CheckboxInput):
        return ""
    label = str(bound.label or "")
    if not label or label[-1] in _ENDS_IN_PUNCTUATION:
        return ""
    return str(LABEL_SUFFIX)


class BoundField(forms.BoundField):
    """A field whose label ends in the portal's colon, whatever the form says."""

    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if label_suffix is None:
            label_suffix = label_suffix_for(self)
        return super().label_tag(contents, attrs, label_suffix, tag)

    @property
    def label_colon(self):
        """Return the colon for a template that draws the ``<label>`` itself."""
        return label_suffix_for(self)


class FormRenderer(TemplatesSetting):
    """Render form widgets with the project's templates and portal labels."""

    bound_field_class = BoundField
