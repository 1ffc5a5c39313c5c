"""What the server-rendered pages of every app do alike.

- ``form_errors``: a service's ``ValidationError`` shown on the form, on the
  field it names when the form has it, else above the form;
- ``error_messages``: the same error as messages on the next page (a button
  that posts and redirects);
- ``page``: one page of a list, from ``?page=`` (a wrong or missing number
  gives the first or last page, never an error);
- ``sort``: a list ordered by ``?sort=key`` or ``?sort=-key``, among the keys
  the page allows.
"""

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

#: Rows on a list page unless the page says otherwise.
PAGE_SIZE = 25

M = TypeVar("M", bound=Model)


def form_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on ``form``: on the field it names
    when the form has that field, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


def error_messages(request: HttpRequest, exc: ValidationError) -> None:
    """Show each message of ``exc`` on the next page the user sees."""
    for message in exc.messages:
        messages.error(request, message)


def page(request: HttpRequest, rows: Sequence[Any], size: int = PAGE_SIZE) -> Page:
    """Return the page of ``rows`` that ``?page=`` asks for."""
    return Paginator(rows, size).get_page(request.GET.get("page"))


def sort(
    request: HttpRequest,
    queryset: QuerySet[M],
    allowed: Mapping[str, str | Sequence[str]],
    default: str,
    *,
    then: Sequence[str] = ("id",),
) -> tuple[QuerySet[M], str]:
    """Return ``queryset`` ordered by ``?sort=`` and the key used.

    ``allowed`` maps each key the page offers to a field (or fields) to order
    by; ``-key`` reverses every one of them. An unknown key falls back to
    ``default``. ``then`` orders rows that tie (so pages do not overlap).
    """
    key = request.GET.get("sort", default)
    base = key.lstrip("-")
    if base not in allowed:
        key, base = default, default.lstrip("-")
    fields = allowed[base]
    fields = [fields] if isinstance(fields, str) else list(fields)
    if key.startswith("-"):
        fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
    return queryset.order_by(*fields, *then), key
