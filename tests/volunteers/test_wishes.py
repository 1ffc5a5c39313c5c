"""Micro-wishes and service posts: masking, claim, fulfil with photo, confirm."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image
from rest_framework.test import APIClient

from tests.conftest import login
from tests.volunteers.conftest import png_upload, register
from volunteers import services
from volunteers.models import ClaimStatus, VolunteerKind

PHONE = "13912345678"


@pytest.fixture
def wish(vw):
    return services.wish_create(
        user=vw.secretary_a,
        community=vw.a,
        title="孩子想要一个新书包",
        category="study",
        resident_name="王小明",
        resident_address="甲社区幸福小区3栋2单元501",
        resident_phone=PHONE,
    )


def test_resident_is_masked_on_every_list_before_a_claim(vw, wish):
    # staff board, volunteer wall, API list, public page: never the plain data
    pages = [
        (vw.secretary_a, "/volunteers/manage/board/wishes/"),
        (vw.street_admin, "/volunteers/manage/board/wishes/"),
        (vw.volunteer_a, "/volunteers/wall/?tab=wishes"),
    ]
    for user, url in pages:
        html = login(user).get(url).content.decode()
        assert "孩子想要一个新书包" in html, url
        assert "王小明" not in html and PHONE not in html and "2单元501" not in html
        assert "139****5678" in html or "王**" in html
    api = APIClient()
    api.force_authenticate(vw.secretary_a)
    row = api.get("/api/v1/wishes/").json()["results"][0]
    assert row["resident_name"] == "王**" and row["resident_phone"] == "139****5678"
    assert row["resident_masked"] is True
    public = Client().get(f"/volunteers/public/{vw.a.pk}/wishes/").content.decode()
    assert (
        "孩子想要一个新书包" in public
        and "王小明" not in public
        and PHONE not in public
    )


def test_claimant_sees_the_resident_once_accepted_and_nobody_else_does(vw, wish):
    # given volunteer A is a party member and claims the wish
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    # then the claimant's list and API show the plain data
    html = login(vw.volunteer_a).get("/volunteers/wall/?tab=wishes&status=mine").content
    assert "王小明" in html.decode()
    api = APIClient()
    api.force_authenticate(vw.volunteer_a)
    row = api.get(f"/api/v1/wishes/{wish.pk}/").json()
    assert row["resident_phone"] == PHONE and row["resident_masked"] is False
    # and the staff list stays masked
    board = (
        login(vw.secretary_a).get("/volunteers/manage/board/wishes/").content.decode()
    )
    assert "王小明" not in board and PHONE not in board


def test_community_staff_see_the_plain_data_on_the_detail_page_only(vw, wish):
    html = login(vw.secretary_a).get(f"/volunteers/wishes/{wish.pk}/").content.decode()
    assert "王小明" in html and PHONE in html


def test_other_community_gets_404_on_the_wish(vw, wish):
    assert (
        login(vw.secretary_b).get(f"/volunteers/wishes/{wish.pk}/").status_code == 404
    )
    api = APIClient()
    api.force_authenticate(vw.secretary_b)
    assert api.get(f"/api/v1/wishes/{wish.pk}/").status_code == 404
    assert api.get("/api/v1/wishes/").json()["count"] == 0


def test_resident_volunteer_who_is_not_a_party_member_cannot_claim(vw, wish):
    from tests.conftest import _user

    user = _user("resident_a")
    register(user, vw.a, kind=VolunteerKind.RESIDENT)
    with pytest.raises(ValidationError, match="党员或驻街单位"):
        services.claimable_claim(user=user, obj=wish)


def test_unit_head_claims_for_his_unit_and_another_unit_is_refused(vw, wish):
    with pytest.raises(PermissionDenied):
        services.claimable_claim(user=vw.unit_head_a, obj=wish, as_unit=vw.unit_b)
    claimed = services.claimable_claim(user=vw.unit_head_a, obj=wish, as_unit=vw.unit_a)
    assert claimed.claimed_by_unit == vw.unit_a and claimed.claimed_at
    with pytest.raises(ValidationError, match="已被认领"):
        services.claimable_claim(user=vw.volunteer_a, obj=wish)


def test_full_flow_every_step_is_dated(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    with pytest.raises(ValidationError, match="只有已完成"):
        services.claimable_confirm(user=vw.secretary_a, obj=wish)
    fulfilled = services.claimable_fulfil(
        user=vw.volunteer_a, obj=wish, photo=png_upload(), note="已送到"
    )
    assert fulfilled.status == ClaimStatus.FULFILLED
    with pytest.raises(PermissionDenied):
        services.claimable_confirm(user=vw.secretary_b, obj=wish)
    confirmed = services.claimable_confirm(user=vw.secretary_a, obj=wish)
    assert confirmed.status == ClaimStatus.CONFIRMED
    assert (
        confirmed.published_at
        <= confirmed.claimed_at
        <= confirmed.fulfilled_at
        <= confirmed.confirmed_at
    )
    assert confirmed.confirmed_by == vw.secretary_a


def test_only_the_claimant_may_fulfil(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    with pytest.raises(ValidationError, match="只有认领人"):
        services.claimable_fulfil(user=vw.secretary_a, obj=wish, photo=png_upload())


def test_photo_is_reencoded_under_a_server_generated_name(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    obj = services.claimable_fulfil(
        user=vw.volunteer_a, obj=wish, photo=png_upload("../../etc/passwd.png")
    )
    assert obj.photo.startswith("volunteers/claims/") and obj.photo.endswith(".jpg")
    assert "passwd" not in obj.photo
    with default_storage.open(obj.photo) as f:
        assert Image.open(f).format == "JPEG"


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg"),
            "不是可识别的图片",
        ),
        (
            SimpleUploadedFile("broken.png", png_upload().read()[:60], "image/png"),
            "图片",
        ),
    ],
)
def test_renamed_executable_and_broken_image_are_refused(vw, wish, upload, message):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    with pytest.raises(ValidationError, match=message):
        services.claimable_fulfil(user=vw.volunteer_a, obj=wish, photo=upload)
    wish.refresh_from_db()
    assert wish.status == ClaimStatus.CLAIMED and not wish.photo


@override_settings(PORTAL_MAX_UPLOAD_BYTES=100)
def test_oversized_photo_is_refused(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    with pytest.raises(ValidationError, match="不能超过"):
        services.claimable_fulfil(
            user=vw.volunteer_a, obj=wish, photo=png_upload(size=(400, 400))
        )


def test_photo_is_served_only_inside_the_scope(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    services.claimable_fulfil(user=vw.volunteer_a, obj=wish, photo=png_upload())
    url = f"/volunteers/wishes/{wish.pk}/photo/"
    response = login(vw.secretary_a).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert login(vw.secretary_b).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_fulfil_page_uploads_a_photo_from_a_phone(vw, wish):
    services.claimable_claim(user=vw.volunteer_a, obj=wish)
    client = login(vw.volunteer_a)
    url = f"/volunteers/wishes/{wish.pk}/fulfil/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"photo": png_upload(), "note": "已送达"})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.status == ClaimStatus.FULFILLED
    bad = client.post(f"/volunteers/posts/{wish.pk}/fulfil/", {"photo": png_upload()})
    assert bad.status_code == 404


def test_service_posts_follow_the_same_rules(vw):
    post = services.post_create(
        user=vw.secretary_a,
        community=vw.a,
        title="结对帮扶独居老人",
        kind="elderly",
        resident_name="李奶奶",
        resident_phone=PHONE,
    )
    html = login(vw.secretary_a).get("/volunteers/manage/board/posts/").content.decode()
    assert "结对帮扶独居老人" in html and "李奶奶" not in html
    claimed = services.claimable_claim(user=vw.volunteer_a, obj=post)
    assert claimed.status == ClaimStatus.CLAIMED
    with pytest.raises(ValidationError, match="岗位已被认领"):
        services.claimable_claim(user=vw.unit_head_a, obj=post, as_unit=vw.unit_a)


def test_public_wishes_page_is_anonymous_and_lists_only_open_wishes(vw, wish):
    taken = services.wish_create(
        user=vw.secretary_a, community=vw.a, title="已认领的心愿"
    )
    services.claimable_claim(user=vw.volunteer_a, obj=taken)
    html = Client().get(f"/volunteers/public/{vw.a.pk}/wishes/").content.decode()
    assert "孩子想要一个新书包" in html and "已认领的心愿" not in html
    assert 'name="viewport"' in html
    assert Client().get(f"/volunteers/public/{vw.unit_a.pk}/wishes/").status_code == 404


def test_claim_page_flow_shows_the_chinese_message(vw, wish):
    services.claimable_claim(user=vw.unit_head_a, obj=wish, as_unit=vw.unit_a)
    response = login(vw.volunteer_a).post(
        f"/volunteers/wishes/{wish.pk}/claim/", follow=True
    )
    assert "已被认领" in response.content.decode()
