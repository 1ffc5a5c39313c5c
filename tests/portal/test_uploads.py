"""One upload checker for the whole portal (``portal.uploads``), each use with
its policy: what it takes, how many, how images are re-encoded, where they go.

The uses' own wording and kinds are tested with their apps (meetings, grids,
volunteers, evaluations, support); here the shared mechanics.
"""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from evaluations.uploads import APPEAL_ATTACHMENT
from grids.photos import PHOTOS
from meetings.uploads import ATTACHMENTS
from portal.uploads import (
    IMAGE,
    JPEG_ALWAYS,
    PNG_IF_TRANSPARENT,
    SAME_FORMAT,
    UploadPolicy,
    upload_check,
    upload_name_clean,
    upload_stored_name,
    uploads_check,
)
from support.attachments import VOUCHER
from volunteers.photos import PROOF_PHOTO

POLICIES = {
    "meetings": ATTACHMENTS,
    "grids": PHOTOS,
    "volunteers": PROOF_PHOTO,
    "evaluations": APPEAL_ATTACHMENT,
    "support": VOUCHER,
}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def image(fmt="PNG", size=(40, 30), mode="RGB", color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt)
    return out.getvalue()


def office(first_part, extra=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in {
            "[Content_Types].xml": "<Types/>",
            first_part: "<x/>",
            **(extra or {}),
        }.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 1, 9, 0, 0)), data)
    return out.getvalue()


def codes(error):
    lists = (
        error.error_dict.values()
        if hasattr(error, "error_dict")
        else [error.error_list]
    )
    return [e.code for errors in lists for e in errors]


def refusal(policy, name, data):
    with pytest.raises(ValidationError) as exc:
        upload_check(upload(name, data), policy=policy)
    return " ".join(exc.value.messages)


# -- every use ---------------------------------------------------------------------


@pytest.mark.parametrize("use", POLICIES)
def test_every_use_refuses_a_renamed_executable_and_an_empty_file(use):
    policy = POLICIES[use]
    assert refusal(policy, "photo.jpg", EXE)
    assert refusal(policy, "empty.pdf", b"")


@pytest.mark.parametrize("use", POLICIES)
def test_every_use_refuses_a_file_over_the_cap_before_decoding_it(use, settings):
    # given a cap of 1000 bytes and a file of 3000 whose content is no image at all
    settings.PORTAL_MAX_UPLOAD_BYTES = 1000
    big = upload("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 3000)
    # when checked, then it is refused for its size, not for its content
    with pytest.raises(ValidationError) as exc:
        upload_check(big, policy=POLICIES[use])
    assert codes(exc.value) == ["too_big"]


@pytest.mark.parametrize("use", POLICIES)
def test_every_use_stores_a_photo_without_its_metadata(use):
    # given a phone photo with the maker and a GPS position in its EXIF
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, format="JPEG", exif=exif)
    data = out.getvalue() + b"<script>alert(1)</script>"
    # when checked
    checked = upload_check(upload("IMG_1.jpg", data), policy=POLICIES[use])
    # then what is kept is the picture alone
    assert checked.kind == IMAGE and checked.ext == "jpg"
    assert b"PhoneMaker" not in checked.data and b"<script>" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as stored:
        assert stored.format == "JPEG" and stored.size == (64, 48)


# -- what a policy takes -----------------------------------------------------------


def test_a_photo_policy_refuses_a_pdf_and_an_office_document():
    assert "不是有效的图片文件" in refusal(PHOTOS, "minutes.pdf", PDF)
    assert "不是有效的图片文件" in refusal(PHOTOS, "list.docx", office("word/x.xml"))


def test_a_voucher_takes_excel_and_word_but_no_slides_and_no_macros():
    assert upload_check(upload("a.xlsx", office("xl/x.xml")), policy=VOUCHER).ext == (
        "xlsx"
    )
    assert upload_check(upload("a.docx", office("word/x.xml")), policy=VOUCHER).ext == (
        "docx"
    )
    for name, data in (
        ("slides.pptx", office("ppt/x.xml")),
        ("macro.docm", office("word/x.xml", {"word/vbaProject.bin": "x"})),
    ):
        with pytest.raises(ValidationError) as exc:
            upload_check(upload(name, data), policy=VOUCHER)
        assert "格式不支持" in " ".join(exc.value.message_dict["attachment"])


def test_an_appeal_takes_a_pdf_a_jpeg_and_a_png_and_nothing_else():
    assert upload_check(upload("a.pdf", PDF), policy=APPEAL_ATTACHMENT).ext == "pdf"
    for fmt, ext in (("JPEG", "jpg"), ("PNG", "png")):
        assert upload_check(upload("a", image(fmt)), policy=APPEAL_ATTACHMENT).ext == (
            ext
        )
    for name, data in (("a.gif", image("GIF")), ("a.docx", office("word/x.xml"))):
        assert "PDF、JPG 或 PNG" in refusal(APPEAL_ATTACHMENT, name, data)


def test_a_truncated_pdf_is_refused_wherever_pdfs_are_taken():
    truncated = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
    for policy in (ATTACHMENTS, APPEAL_ATTACHMENT, VOUCHER):
        with pytest.raises(ValidationError):
            upload_check(upload("a.pdf", truncated), policy=policy)


def test_a_decompression_bomb_is_refused_for_its_pixels():
    # given a small PNG that would decode to 100 million pixels
    bomb = image(size=(10_000, 10_000), mode="1", color=0)
    assert len(bomb) < 100_000
    # when checked, then it is refused before it is decoded
    assert "像素" in refusal(PHOTOS, "bomb.png", bomb)
    assert "像素" in refusal(ATTACHMENTS, "bomb.png", bomb)


# -- how many ----------------------------------------------------------------------


def test_more_files_than_the_policy_takes_are_refused_with_its_count():
    with pytest.raises(ValidationError) as exc:
        uploads_check([upload(f"{i}.png", image()) for i in range(7)], policy=PHOTOS)
    assert exc.value.message_dict == {"photos": ["每次最多上传 6 张照片。"]}


def test_every_bad_file_is_named_and_none_is_kept():
    # given two good files and two bad ones
    files = [
        upload("good.png", image()),
        upload("坏的.exe", EXE),
        upload("good.pdf", PDF),
        upload("空.pdf", b""),
    ]
    # when checked together, then both refusals are listed, and nothing returned
    with pytest.raises(ValidationError) as exc:
        uploads_check(files, policy=ATTACHMENTS)
    messages = exc.value.messages
    assert len(messages) == 2
    assert "坏的.exe" in messages[0] and "空.pdf" in messages[1]


def test_empty_entries_of_a_form_are_skipped():
    assert uploads_check([None, "", upload("a.png", image())], policy=PHOTOS)


# -- how images are re-encoded -----------------------------------------------------


@pytest.mark.parametrize(
    "output, transparent_ext, opaque_png_ext",
    [
        (JPEG_ALWAYS, "jpg", "jpg"),
        (PNG_IF_TRANSPARENT, "png", "jpg"),
        (SAME_FORMAT, "png", "png"),
    ],
)
def test_each_image_output_keeps_the_format_it_says(
    output, transparent_ext, opaque_png_ext
):
    policy = UploadPolicy(kinds=frozenset({IMAGE}), image_output=output)
    clear = image(mode="RGBA", color=(0, 0, 0, 0))
    assert upload_check(upload("a.png", clear), policy=policy).ext == transparent_ext
    assert upload_check(upload("b.png", image()), policy=policy).ext == opaque_png_ext
    assert upload_check(upload("c.jpg", image("JPEG")), policy=policy).ext == "jpg"


def test_a_transparent_photo_stored_as_jpeg_is_white_where_it_was_clear():
    clear = image(mode="RGBA", color=(0, 0, 0, 0))
    checked = upload_check(upload("clear.png", clear), policy=PROOF_PHOTO)
    with Image.open(io.BytesIO(checked.data)) as stored:
        assert stored.convert("L").getextrema()[0] > 240


def test_large_pictures_are_scaled_to_the_policys_longest_side():
    big = image("JPEG", size=(5000, 3000))
    for policy, side in ((PHOTOS, 2048), (ATTACHMENTS, 2560), (VOUCHER, 3600)):
        checked = upload_check(upload("big.jpg", big), policy=policy)
        with Image.open(io.BytesIO(checked.data)) as stored:
            assert max(stored.size) == side


# -- names -------------------------------------------------------------------------


def test_stored_names_are_the_servers_under_the_policys_folder():
    checked = upload_check(upload("../../etc/现场.png", image()), policy=ATTACHMENTS)
    assert checked.original_name == "现场.png"
    dated = upload_stored_name(checked, policy=ATTACHMENTS)
    assert re.fullmatch(r"meetings/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", dated), dated
    flat = upload_stored_name(checked, policy=APPEAL_ATTACHMENT)
    assert re.fullmatch(r"evaluations/appeals/[0-9a-f]{32}\.jpg", flat), flat


def test_a_displayed_name_has_no_path_and_no_control_characters():
    assert upload_name_clean("C:\\Users\\a\\报告\x00\x1f.pdf") == "报告.pdf"
    assert upload_name_clean("") == "未命名文件"
    assert len(upload_name_clean("长" * 500)) == 200
