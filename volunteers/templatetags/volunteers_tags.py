"""Template filters of the volunteers pages."""

from django import template

from volunteers.selectors import mask_name, mask_phone

register = template.Library()


@register.filter
def masked_phone(value):
    """Show a phone as 138****8000 on lists."""
    return mask_phone(value or "")


@register.filter
def masked_name(value):
    return mask_name(value or "")
