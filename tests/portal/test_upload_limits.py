"""Uploads too large are refused before they are read (portal/uploads.py)."""

import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings
from django.test.client import encode_multipart
from django.urls import resolve, reverse

from grids.photos import MAX_PHOTOS
from meetings.uploads import MAX_FILES
from orgs.models import ImportJob
from portal.uploads import FORM_ALLOWANCE, request_limit
from tests.conftest import login

MB = 1024 * 1024


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def _post_unread(client, url, length):
    return client.post(
        url,
        data={},
        **{"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(length)},
    )


def test_a_120_mb_upload_is_refused_from_its_content_length_without_reading_it(
    world,
):
    # given: an upload that says it is 120 MB (the limit is 10 MB a file)
    client = login(world.secretary_a)
    # when
    response = _post_unread(client, "/orgs/import/", 120 * MB)
    # then: a Chinese refusal, no 500, no byte read, nothing stored
    assert response.status_code == 413
    html = response.content.decode()
    assert "上传的文件太大：单个文件不能超过 10 MB，请压缩或分批后再上传。" in html
    assert not ImportJob.objects.exists()


def test_the_api_answers_the_same_refusal_as_json(world):
    response = _post_unread(login(world.secretary_a), "/api/v1/grid-cases/", 200 * MB)
    assert response.status_code == 413
    assert "上传的文件太大" in response.json()["detail"]


def test_an_anonymous_upload_that_is_too_large_is_refused_unread_too(client, db):
    assert _post_unread(client, "/orgs/import/", 120 * MB).status_code == 413


@override_settings(PORTAL_MAX_UPLOAD_BYTES=100_000)
def test_a_body_within_the_allowance_is_read_as_before(world):
    # given: a file under the limit that is not an .xlsx
    upload = SimpleUploadedFile("单位.xlsx", os.urandom(90_000))
    # when / then: the import's own check answers
    response = login(world.secretary_a).post(
        "/orgs/import/", {"kind": "units", "file": upload}
    )
    assert response.status_code == 400
    assert "不是有效的 .xlsx 文件" in response.content.decode()


def test_views_that_take_several_files_allow_that_many_files():
    # a single-file page (the import)
    assert request_limit(resolve("/orgs/import/").func) == 10 * MB + FORM_ALLOWANCE
    # the minutes (up to MAX_FILES files) and a grid case (MAX_PHOTOS photos)
    minutes = resolve(reverse("meetings:minutes", kwargs={"pk": 1})).func
    assert request_limit(minutes) == MAX_FILES * 10 * MB + FORM_ALLOWANCE
    assert request_limit(resolve(reverse("grids:case_new")).func) == (
        MAX_PHOTOS * 10 * MB + FORM_ALLOWANCE
    )
    # the same in the API (DRF viewsets)
    assert request_limit(resolve("/api/v1/grid-cases/").func) == (
        MAX_PHOTOS * 10 * MB + FORM_ALLOWANCE
    )
    assert request_limit(resolve("/api/v1/visits/").func) == (
        MAX_PHOTOS * 10 * MB + FORM_ALLOWANCE
    )


@override_settings(PORTAL_MAX_UPLOAD_BYTES=1 * MB)
def test_a_file_over_the_limit_keeps_none_of_its_bytes_and_knows_its_size():
    # given: a 1.5 MB file in a body within the request's allowance
    data = os.urandom(MB + MB // 2)
    body = encode_multipart(
        "BoUnDaRy", {"file": SimpleUploadedFile("大.xlsx", data), "kind": "units"}
    )
    request = RequestFactory().generic(
        "POST",
        "/orgs/import/",
        body,
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    # when the body is parsed
    upload = request.FILES["file"]
    # then the file is empty but says how big it was, the other fields are kept
    assert upload.size == len(data)
    assert upload.read() == b""
    assert request.POST["kind"] == "units"


@override_settings(PORTAL_MAX_UPLOAD_BYTES=1 * MB)
def test_the_import_page_refuses_a_file_over_the_limit_with_its_own_message(world):
    upload = SimpleUploadedFile("大.xlsx", b"PK\x03\x04" + os.urandom(MB + MB // 2))
    response = login(world.secretary_a).post(
        "/orgs/import/", {"kind": "units", "file": upload}
    )
    assert response.status_code == 400
    assert "文件太大（上限 1 MB）" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(PORTAL_MAX_UPLOAD_BYTES=1 * MB)
def test_a_file_within_the_limit_is_received_whole():
    data = os.urandom(MB // 2)
    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile("a.bin", data)})
    request = RequestFactory().generic(
        "POST",
        "/orgs/import/",
        body,
        content_type="multipart/form-data; boundary=BoUnDaRy",
    )
    assert request.FILES["file"].read() == data
