"""The page helpers every app's views share (``portal.pages``)."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from orgs.models import OrgKind, OrgNode
from portal import pages


class NameForm(forms.Form):
    name = forms.CharField()


def _bound_form():
    form = NameForm({"name": "张三"})
    assert form.is_valid()
    return form


def test_a_service_error_on_a_field_the_form_has_is_shown_on_that_field():
    form = _bound_form()
    pages.form_errors(
        form, ValidationError({"name": "重名", "phone": ["号码不对", "太短"]})
    )
    assert form.errors["name"] == ["重名"]
    # a field the form does not have goes above the form, each message kept
    assert form.non_field_errors() == ["号码不对", "太短"]
    assert "name" not in form.cleaned_data


def test_a_service_error_without_a_field_is_shown_above_the_form():
    form = _bound_form()
    pages.form_errors(form, ValidationError(["不能保存", "请稍后再试"]))
    assert form.non_field_errors() == ["不能保存", "请稍后再试"]
    assert form.cleaned_data == {"name": "张三"}


def test_error_messages_reach_the_next_page():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    pages.error_messages(request, ValidationError({"x": ["一"], "y": ["二"]}))
    assert [m.message for m in get_messages(request)] == ["一", "二"]


@pytest.mark.parametrize("raw, number", [("2", 2), ("99", 3), ("x", 1), ("", 1)])
def test_a_page_number_out_of_range_or_garbled_gives_a_page(raw, number):
    request = RequestFactory().get("/", {"page": raw})
    page = pages.page(request, list(range(60)), 25)
    assert page.number == number


@pytest.mark.django_db
def test_sort_orders_by_an_allowed_key_and_reverses_every_field(world):
    allowed = {"name": "name", "place": ("street__name", "-code")}
    communities = OrgNode.objects.filter(kind=OrgKind.COMMUNITY)

    def order(query, **kwargs):
        request = RequestFactory().get("/", query)
        queryset, key = pages.sort(request, communities, allowed, "name", **kwargs)
        return queryset.query.order_by, key

    assert order({"sort": "-name"}) == (("-name", "id"), "-name")
    assert order({"sort": "-place"}, then=()) == (("-street__name", "code"), "-place")
    assert order({"sort": "place"}, then=("-pk",)) == (
        ("street__name", "-code", "-pk"),
        "place",
    )
    # a key the page does not offer (or none) falls back to the default
    assert order({"sort": "password"}) == (("name", "id"), "name")
    assert order({}) == (("name", "id"), "name")
