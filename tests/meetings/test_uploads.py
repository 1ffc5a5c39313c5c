"""Attachments: checked by content, capped in size, re-encoded, served by scope."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from meetings import services
from meetings.models import Attachment, MinutesRevision
from meetings.uploads import ATTACHMENTS
from portal.uploads import upload_check
from tests.conftest import login
from tests.meetings.conftest import jpeg_bytes, png_bytes

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 100
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def check_upload(upload):
    """Check ``upload`` as the minutes and action items do."""
    return upload_check(upload, policy=ATTACHMENTS)


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _zip(members):
    """Return a zip of ``members`` with fixed dates: the same bytes every time
    (parametrize ids hold them, and xdist workers must collect equal ids)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 1, 9, 0, 0)), data)
    return out.getvalue()


def docx(extra=None):
    return _zip(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": "<w:document/>",
            **(extra or {}),
        }
    )


def plain_zip():
    return _zip({"readme.txt": "hi"})


# -- the checks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("现场照片.jpg", EXE, "可执行程序"),
        ("纪要.pdf", ELF, "可执行程序"),
        ("现场照片.jpg", jpeg_bytes()[:60], "不是有效的图片"),
        ("坏图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "不是有效的图片"),
        ("照片.jpg", b"just some text", "不是有效的图片"),
        ("纪要.pdf", b"%PDF-1.4\n truncated", "不完整或已损坏"),
        ("资料.zip", plain_zip(), "压缩包"),
        ("宏.docm", docx({"word/vbaProject.bin": b"x"}), "含有宏"),
        ("说明.txt", "纯文本".encode(), "文件类型不支持"),
        ("空.pdf", b"", "空文件"),
        ("网页.html", b"<html><script>alert(1)</script></html>", "文件类型不支持"),
    ],
)
def test_bad_files_are_refused_with_a_clear_chinese_message(name, data, message):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, data))
    text = " ".join(exc.value.messages)
    assert message in text and name in text


def test_an_oversized_file_is_refused_before_it_is_read(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("大文件.pdf", PDF + b"0" * 2000))
    assert "太大" in exc.value.messages[0] and "1000" in exc.value.messages[0]


def test_an_image_is_re_encoded_without_its_metadata():
    # given a JPEG carrying EXIF (e.g. the GPS position of the phone)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    data = png_bytes(exif=exif.tobytes())
    assert b"PhoneMaker" in data
    # when checked
    checked = check_upload(upload("IMG_0001.JPG", data))
    # then it is a fresh JPEG without the metadata
    assert checked.kind == "image" and checked.ext == "jpg"
    assert checked.data.startswith(b"\xff\xd8") and b"PhoneMaker" not in checked.data
    assert Image.open(io.BytesIO(checked.data)).size == (40, 30)


def test_a_transparent_png_stays_a_png_and_a_huge_photo_is_scaled_down():
    rgba = png_bytes(mode="RGBA", color=(0, 0, 0, 0))
    assert check_upload(upload("logo.png", rgba)).ext == "png"
    big = io.BytesIO()
    Image.new("RGB", (5000, 3000), (1, 2, 3)).save(big, format="JPEG")
    checked = check_upload(upload("big.jpg", big.getvalue()))
    assert max(Image.open(io.BytesIO(checked.data)).size) == 2560


def test_documents_are_recognised_by_content():
    assert check_upload(upload("会议材料.pdf", PDF)).content_type == "application/pdf"
    assert check_upload(upload("名单.docx", docx())).ext == "docx"
    # a PDF named .docx is still a PDF
    assert check_upload(upload("wrong.docx", PDF)).ext == "pdf"


# -- through the minutes page: refusal, not a 500, and nothing written ---------------


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("现场照片.jpg", EXE, "可执行程序"),
        ("现场照片.jpg", jpeg_bytes()[:60], "不是有效的图片"),
        ("huge.pdf", PDF + b"0" * 5000, "太大"),
    ],
)
def test_the_minutes_page_refuses_a_bad_file_and_writes_nothing(
    mworld, held, settings, name, data, message
):
    settings.PORTAL_MAX_UPLOAD_BYTES = 4000
    media = Path(settings.MEDIA_ROOT)
    before = set(media.rglob("*")) if media.exists() else set()
    meeting = held.a
    response = login(mworld.secretary_a).post(
        "/meetings/%s/minutes/" % meeting.pk,
        {
            "text": "<p>纪要</p>",
            "files": [upload("ok.png", png_bytes()), upload(name, data)],
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    html = response.content.decode()
    assert message in html and "form-errors" in html
    assert "纪要" in html  # what was typed is kept
    assert not MinutesRevision.objects.exists()
    assert not Attachment.objects.exists()
    after = set(media.rglob("*")) if media.exists() else set()
    assert {p for p in after - before if p.is_file()} == set()


def test_good_files_are_stored_under_server_names_and_served_by_scope(mworld, held):
    meeting = held.a
    response = login(mworld.secretary_a).post(
        "/meetings/%s/minutes/" % meeting.pk,
        {
            "text": "<p>纪要</p>",
            "files": [
                upload("../../etc/现场.jpg", jpeg_bytes()),
                upload("名单.pdf", PDF),
            ],
        },
    )
    assert response.status_code == 302
    photo, pdf = Attachment.objects.order_by("id")
    # the user's name is only displayed; the stored name is the server's
    assert photo.original_name == "现场.jpg"
    assert "现场" not in photo.file.name and ".." not in photo.file.name
    assert photo.file.name.startswith("meetings/") and photo.file.name.endswith(".jpg")
    assert Path(settings.MEDIA_ROOT, photo.file.name).exists()
    # served to the community, inline for photos, as a download for documents
    client = login(mworld.secretary_a)
    got = client.get("/meetings/attachments/%s/" % photo.pk)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert "sandbox" in got["Content-Security-Policy"]
    assert b"".join(got.streaming_content).startswith(b"\xff\xd8")
    doc = client.get("/meetings/attachments/%s/" % pdf.pk)
    assert doc["Content-Disposition"].startswith("attachment")
    # and to nobody outside its scope
    assert (
        login(mworld.secretary_b)
        .get("/meetings/attachments/%s/" % photo.pk)
        .status_code
        == 404
    )
    assert (
        login(mworld.volunteer_a)
        .get("/meetings/attachments/%s/" % photo.pk)
        .status_code
        == 403
    )
    # the files are not under any public URL
    assert not settings.MEDIA_URL.startswith("/static")


def test_evidence_files_on_an_item_are_checked_the_same_way(
    mworld, meetings_next_month
):
    problem = services.problem_create(
        user=mworld.secretary_a, committee=mworld.party_a, title="路灯"
    )
    from tests.meetings.conftest import in_days

    item = services.action_item_create(
        user=mworld.secretary_a,
        problem=problem,
        unit=mworld.unit_a,
        title="修灯",
        due_on=in_days(5),
    )
    client = login(mworld.unit_head_a)
    bad = client.post(
        "/meetings/items/%s/" % item.pk,
        {"status": "done", "evidence": "已修好", "files": [upload("证明.jpg", EXE)]},
    )
    assert bad.status_code == 400 and "可执行程序" in bad.content.decode()
    item.refresh_from_db()
    assert item.status == "open" and not Attachment.objects.exists()
    good = client.post(
        "/meetings/items/%s/" % item.pk,
        {
            "status": "done",
            "evidence": "已修好",
            "files": [upload("证明.png", png_bytes())],
        },
    )
    assert good.status_code == 302
    assert Attachment.objects.get().action_item == item
