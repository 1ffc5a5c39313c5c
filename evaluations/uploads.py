"""Appeal attachments: checked by content, capped in size, stored under a
server-generated name outside any public URL, served only by a view that
fetches the appeal through the user's scope."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

#: extension → (leading bytes, content type).
ALLOWED = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
}


def _sniff(head):
    for ext, (magic, content_type) in ALLOWED.items():
        if head.startswith(magic):
            return ext, content_type
    return None, None


def _check_image(upload):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("图片文件已损坏或格式不正确。")) from exc
    finally:
        upload.seek(0)


def check_upload(upload):
    """Return ``(extension, content type)`` of an acceptable upload; raise if not."""
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if upload.size == 0:
        raise ValidationError(_("附件是空文件。"))
    if upload.size > limit:
        raise ValidationError(
            _("附件不能超过 %s MB。") % round(limit / (1024 * 1024), 1)
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ext, content_type = _sniff(head)
    if ext is None:
        raise ValidationError(_("附件只能是 PDF、JPG 或 PNG 文件。"))
    if ext in ("png", "jpg"):
        _check_image(upload)
    return ext, content_type


def store_upload(upload, *, folder):
    """Save a checked upload; return ``(storage name, content type, size)``.

    Images are stored re-encoded (``portal.images``): no metadata, no bytes
    hidden after the picture.
    """
    from django.core.files.base import ContentFile

    from portal.images import image_reencode

    ext, content_type = check_upload(upload)
    if ext in ("png", "jpg"):
        data, ext, content_type = image_reencode(upload)
        upload = ContentFile(data)
    name = default_storage.save(f"{folder}/{uuid.uuid4().hex}.{ext}", upload)
    return name, content_type, upload.size


def delete_quietly(name):
    if name:
        try:
            default_storage.delete(name)
        except OSError:
            pass
