"""Photos: type checked by content, size capped, re-encoded, served by scope."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from grids.models import Case, Photo
from grids.photos import PHOTOS
from portal.uploads import upload_check
from tests.conftest import login
from tests.grids.conftest import image_bytes

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def test_a_renamed_executable_is_refused(grid, world, make_case):
    upload = SimpleUploadedFile("现场.jpg", EXECUTABLE, content_type="image/jpeg")
    with pytest.raises(ValidationError, match="不是有效的图片"):
        make_case(grid.u1, photos=[upload])
    # and nothing was written: no case, no photo
    assert not Case.objects.exists()
    assert not Photo.objects.exists()


def test_an_oversized_file_is_refused(grid, world, make_case, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    upload = SimpleUploadedFile("big.png", image_bytes(size=(400, 400)))
    assert upload.size > 1000
    with pytest.raises(ValidationError, match="上限"):
        make_case(grid.u1, photos=[upload])
    assert not Case.objects.exists()


def test_a_broken_image_is_refused(grid, make_case):
    data = image_bytes("JPEG", size=(300, 300))
    upload = SimpleUploadedFile("broken.jpg", data[: len(data) // 2])
    with pytest.raises(ValidationError, match="已损坏"):
        make_case(grid.u1, photos=[upload])


def test_a_file_of_another_image_type_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "TIFF")
    with pytest.raises(ValidationError, match="可接受"):
        upload_check(SimpleUploadedFile("scan.png", buffer.getvalue()), policy=PHOTOS)


def test_one_bad_file_among_good_ones_writes_nothing(grid, make_case, png):
    bad = SimpleUploadedFile("b.jpg", EXECUTABLE)
    with pytest.raises(ValidationError):
        make_case(grid.u1, photos=[png(), bad])
    assert not Photo.objects.exists()


def test_a_good_photo_is_re_encoded_under_a_server_name(grid, make_case):
    # given a PNG with a client-chosen name carrying a path
    buffer = io.BytesIO()
    Image.new("RGBA", (3000, 1500), (0, 128, 0, 128)).save(buffer, "PNG")
    upload = SimpleUploadedFile("../../etc/现场照片.png", buffer.getvalue())
    # when reported with a case
    case = make_case(grid.u1, photos=[upload])
    # then it is stored as a JPEG, scaled down, under a generated name
    photo = case.photos.get()
    assert photo.image.name.startswith("grids/")
    assert photo.image.name.endswith(".jpg")
    assert "etc" not in photo.image.name and "现场" not in photo.image.name
    with photo.image.open("rb") as f, Image.open(f) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 2048
    assert (photo.width, photo.height) == (2048, 1024)


def test_photos_are_served_only_inside_the_scope(grid, world, make_case, png):
    case = make_case(grid.u1, user=world.volunteer_a, photos=[png()])
    photo = case.photos.get()
    url = f"/grids/photos/{photo.pk}/"
    # the reporter, the secretary of A and the worker of the cell see it
    for user in (world.volunteer_a, world.secretary_a, grid.worker1):
        response = login(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    # others get a 404, as if it did not exist
    for user in (world.secretary_b, grid.worker2, world.outsider):
        assert login(user).get(url).status_code == 404
    # and anonymous users are sent to sign in
    from django.test import Client

    assert Client().get(url).status_code == 302


def test_visit_photos_follow_the_visit(grid, world, png):
    import datetime

    from grids import services

    visit = services.visit_log(
        user=grid.worker1,
        cell=grid.u1,
        visited_on=datetime.date.today(),
        findings="楼道整洁",
        photos=[png()],
    )
    url = f"/grids/photos/{visit.photos.get().pk}/"
    assert login(grid.worker1).get(url).status_code == 200
    assert login(grid.worker2).get(url).status_code == 404
