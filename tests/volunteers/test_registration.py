"""Registering volunteers writes people only through ``orgs.services``
(``person_get_or_create``): the phone and the places are checked as for any
person of the street, with the same messages."""

import pytest
from django.core.exceptions import ValidationError

from orgs.models import Person
from volunteers import services
from volunteers.models import Volunteer

BAD_PHONE_MESSAGE = "电话号码“23800000000”格式不正确（手机号为 11 位数字）。"


@pytest.mark.django_db
def test_self_registration_refuses_a_phone_the_orgs_form_refuses(world):
    # given eleven digits that are no mobile number
    with pytest.raises(ValidationError) as exc:
        services.volunteer_register_self(
            user=world.outsider, community=world.a, name="周七", phone="23800000000"
        )
    # then the orgs message, and nothing written
    assert exc.value.message_dict["phone"] == [BAD_PHONE_MESSAGE]
    assert not Person.objects.filter(user=world.outsider).exists()
    assert not Volunteer.objects.exists()


@pytest.mark.django_db
def test_staff_registration_refuses_a_phone_the_orgs_form_refuses(world):
    with pytest.raises(ValidationError) as exc:
        services.volunteer_register(
            user=world.secretary_a, community=world.a, name="周七", phone="23800000000"
        )
    assert exc.value.message_dict["phone"] == [BAD_PHONE_MESSAGE]
    assert not Person.objects.filter(name="周七").exists()
