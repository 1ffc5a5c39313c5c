"""The home page of each role (the work of ``dashboard.views.home``)."""

import pytest
from django.test import Client

from tests.conftest import login


def test_home_redirects_anonymous_users_to_login(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "persona, heading",
    [
        ("street_admin", "街道管理员工作台"),
        ("street_staff", "街道工作人员工作台"),
        ("secretary_a", "社区书记工作台"),
        ("unit_head_a", "单位党组织负责人工作台"),
        ("grid_worker_a", "网格员工作台"),
    ],
)
def test_each_role_has_its_home_page(world, persona, heading):
    response = login(getattr(world, persona)).get("/")
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_user_without_role_is_told_to_ask_for_one(world):
    response = login(world.outsider).get("/")
    assert "还没有分配角色" in response.content.decode()


def test_a_volunteer_lands_on_the_volunteer_phone_page(world):
    response = login(world.volunteer_a).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/volunteers/"
