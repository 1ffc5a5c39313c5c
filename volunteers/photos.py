"""Proof photos: checked by content, size-capped, re-encoded, named by the server.

An upload is never stored as sent: Pillow must recognise it as an image by
its bytes (the file name and the browser's content type are ignored), it
must fit ``settings.PORTAL_MAX_UPLOAD_BYTES`` and a pixel budget, and it is
re-encoded to a fresh JPEG (dropping metadata and anything hidden after the
image) under a random name. Files are served only through views that check
the viewer's scope.
"""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048


def _refuse(message):
    return ValidationError({"photo": message})


def photo_store(upload, *, folder):
    """Validate and re-encode ``upload``; return its server-generated name."""
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise _refuse(
            _("照片不能超过 %s MB。") % max(round(limit / 1024 / 1024, 1), 0.1)
        )
    if size == 0:
        raise _refuse(_("照片是空文件。"))
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            if image_format not in ACCEPTED_FORMATS:
                raise _refuse(_("只接受 JPEG、PNG、WEBP 等常见图片格式。"))
            if width * height > MAX_PIXELS:
                raise _refuse(_("图片尺寸过大。"))
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise _refuse(_("文件不是可识别的图片。")) from exc
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or broken
        raise _refuse(_("图片已损坏，无法读取。")) from exc
    today = timezone.localdate()
    name = f"volunteers/{folder}/{today:%Y/%m}/{uuid.uuid4().hex}.jpg"
    return default_storage.save(name, ContentFile(out.getvalue()))


def photo_open(name):
    """Open a stored photo for reading (the caller checked the scope)."""
    return default_storage.open(name, "rb")
