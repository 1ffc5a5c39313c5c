"""Checking uploaded attachments by their content, never by their name.

A file is accepted when its bytes are an image Pillow can decode (then it is
re-encoded, which drops anything hidden in it, EXIF location included), a PDF,
or an Office document (OOXML zip with the right parts and no macros, or a
legacy OLE2 file named .doc/.xls/.ppt). Size is capped by
``settings.PORTAL_MAX_UPLOAD_BYTES``. Every refusal is a ``ValidationError``
with a Chinese message naming the file, so a view shows it instead of a 500.
"""

import io
import os
import re
import uuid
import warnings
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from meetings.models import AttachmentKind

MAX_FILES = 10
#: Longest side of a stored photo; phones take 4000px+ pictures.
MAX_IMAGE_SIDE = 2560
#: Refuse decompression bombs well before Pillow's own limit.
MAX_IMAGE_PIXELS = 50_000_000

_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
)
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",  # Mach-O fat
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"#!",  # scripts
)
_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML = {
    "word/": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xl/": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "ppt/": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
_OLE2 = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


@dataclass
class CheckedFile:
    kind: str
    ext: str
    content_type: str
    data: bytes
    original_name: str


def clean_name(name):
    """Return a displayable file name: no path, no control characters."""
    name = os.path.basename(str(name or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or _("未命名文件")


def _ext(name):
    return os.path.splitext(name)[1].lower().lstrip(".")


def _refuse(message, name):
    raise ValidationError(message % {"name": name}, code="bad_file")


def check_upload(upload):
    """Return a ``CheckedFile`` for an uploaded file, or raise ``ValidationError``."""
    name = clean_name(getattr(upload, "name", ""))
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("“%(name)s”太大（%(size)s），单个文件不能超过 %(max)s。")
            % {
                "name": name,
                "size": filesizeformat(size),
                "max": filesizeformat(limit),
            },
            code="too_big",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("“%(name)s”太大，单个文件不能超过 %(max)s。")
            % {"name": name, "max": filesizeformat(limit)},
            code="too_big",
        )
    if not data:
        _refuse(_("“%(name)s”是空文件。"), name)
    head = data[:16]
    if head.startswith(_EXECUTABLE_MAGIC):
        _refuse(
            _("“%(name)s”是可执行程序或脚本，不允许上传（与文件扩展名无关）。"), name
        )
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return _check_image(data, name)
    if _ext(name) in ("jpg", "jpeg", "png", "gif", "webp", "heic", "bmp"):
        _refuse(_("“%(name)s”不是有效的图片，文件可能已损坏。"), name)
    if head.startswith(_PDF_MAGIC):
        if b"%%EOF" not in data[-2048:]:
            _refuse(_("“%(name)s”这个 PDF 文件不完整或已损坏。"), name)
        return CheckedFile(AttachmentKind.PDF, "pdf", "application/pdf", data, name)
    if head.startswith(_ZIP_MAGIC):
        return _check_ooxml(data, name)
    if head.startswith(_OLE2_MAGIC):
        ext = _ext(name)
        if ext not in _OLE2:
            _refuse(
                _(
                    "“%(name)s”看起来是旧版 Office 文件，请使用 .doc、.xls 或 .ppt 扩展名。"
                ),
                name,
            )
        return CheckedFile(AttachmentKind.OFFICE, ext, _OLE2[ext], data, name)
    _refuse(
        _(
            "“%(name)s”的文件类型不支持：只能上传图片（JPG、PNG、GIF、WebP）、"
            "PDF 或 Office 文档（Word、Excel、PowerPoint）。"
        ),
        name,
    )


def _check_ooxml(data, name):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        _refuse(_("“%(name)s”已损坏，无法打开。"), name)
    if "[Content_Types].xml" not in names:
        _refuse(
            _(
                "“%(name)s”是压缩包，不是 Office 文档；只能上传图片、PDF 或 Office 文档。"
            ),
            name,
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        _refuse(
            _("“%(name)s”含有宏，出于安全考虑不允许上传，请另存为不含宏的文档。"), name
        )
    for prefix, (ext, content_type) in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return CheckedFile(AttachmentKind.OFFICE, ext, content_type, data, name)
    _refuse(_("“%(name)s”不是可识别的 Office 文档。"), name)


def _check_image(data, name):
    broken = _("“%(name)s”不是有效的图片，文件可能已损坏。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in _IMAGE_FORMATS:
                    _refuse(broken, name)
                width, height = probe.size
                if width * height > MAX_IMAGE_PIXELS:
                    _refuse(_("“%(name)s”的像素过多，请缩小后再上传。"), name)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                return _reencode(image, name)
    except ValidationError:
        raise
    except Exception:  # Pillow raises many kinds of errors on bad input
        _refuse(broken, name)


def _reencode(image, name):
    """Return the image as a fresh PNG (if transparent) or JPEG, without metadata."""
    has_alpha = image.mode in ("RGBA", "LA") or (
        image.mode == "P" and "transparency" in image.info
    )
    out = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        return CheckedFile(
            AttachmentKind.IMAGE, "png", "image/png", out.getvalue(), name
        )
    image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return CheckedFile(AttachmentKind.IMAGE, "jpg", "image/jpeg", out.getvalue(), name)


def check_uploads(uploads):
    """Check every file; return them or raise one ``ValidationError`` listing all."""
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_FILES:
        raise ValidationError(_("一次最多上传 %s 个文件。") % MAX_FILES)
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def stored_name(checked):
    """Return a server-chosen storage name; the user's name is only displayed."""
    now = timezone.localtime()
    return "meetings/%04d/%02d/%s.%s" % (
        now.year,
        now.month,
        uuid.uuid4().hex,
        checked.ext,
    )
