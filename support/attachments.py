"""Check an uploaded voucher by its content, not by its name or declared type.

Accepted: PDF, JPEG, PNG, and Office Open XML spreadsheets/documents (invoices
and receipts come as scans, photos or exports). The size cap is
``settings.PORTAL_MAX_UPLOAD_BYTES``, read at call time.
"""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: OOXML part that names each accepted Office type.
_OOXML_MAIN_PART = {"xl/workbook.xml": XLSX, "word/document.xml": DOCX}


def attachment_check(upload):
    """Return the detected content type of ``upload`` or raise ``ValidationError``."""
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError({"attachment": _("附件是空文件。")})
    if upload.size > limit:
        raise ValidationError(
            {
                "attachment": _("附件不能超过 %(limit)s（当前 %(size)s）。")
                % {"limit": filesizeformat(limit), "size": filesizeformat(upload.size)}
            }
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    content_type = None
    if head.startswith(b"%PDF-"):
        content_type = PDF
    elif head.startswith(b"\xff\xd8\xff"):
        content_type = JPEG if _image_ok(upload, "JPEG") else None
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = PNG if _image_ok(upload, "PNG") else None
    elif head.startswith(b"PK\x03\x04"):
        content_type = _ooxml_type(upload)
    upload.seek(0)
    if content_type is None:
        raise ValidationError(
            {
                "attachment": _(
                    "附件格式不支持：只接受 PDF、JPG、PNG 图片或 Excel/Word（xlsx/docx）文件。"
                )
            }
        )
    return content_type


def _image_ok(upload, expected_format):
    from PIL import Image

    try:
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()
    except Exception:  # noqa: BLE001 (any decoding failure means "not an image")
        return False
    finally:
        upload.seek(0)
    return fmt == expected_format


def _ooxml_type(upload):
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for part, content_type in _OOXML_MAIN_PART.items():
        if part in names:
            return content_type
    return None
