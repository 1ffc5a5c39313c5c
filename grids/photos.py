"""Check and re-encode uploaded photos before anything is stored.

The type is decided by decoding the content with Pillow, never by the file
name or the browser's content type; the picture is re-encoded as JPEG (which
drops EXIF, GPS position included, and anything appended to the file) under a
name the server generates.
"""

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Formats accepted as input (decoded content, not the extension).
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
#: Longest side kept; larger photos from phones are scaled down.
MAX_SIDE = 2048
#: Pixels above which a file is refused before decoding (decompression bombs).
MAX_PIXELS = 40_000_000
#: Photos per case or visit.
MAX_PHOTOS = 6
JPEG_QUALITY = 85


def photo_prepare(upload):
    """Return a ``ContentFile`` holding ``upload`` re-encoded as JPEG.

    Raise ``ValidationError`` (in Chinese) for a file that is too large, is not
    an image, is a broken image or is of a type not accepted.
    """
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is None or size > limit:
        raise ValidationError(
            _("照片“%(name)s”超过了 %(mb)s MB 的上限。")
            % {"name": _display_name(upload), "mb": round(limit / 1024 / 1024, 1)}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("照片“%(name)s”超过了 %(mb)s MB 的上限。")
            % {"name": _display_name(upload), "mb": round(limit / 1024 / 1024, 1)}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            image_format = probe.format
            if image_format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("“%s”不是可接受的图片格式（请上传 JPEG、PNG 或 WebP 照片）。")
                    % _display_name(upload)
                )
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("照片“%s”的像素太多，请缩小后再上传。") % _display_name(upload)
                )
            probe.verify()  # checks the structure; the object is unusable after
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes every pixel: truncated files fail here
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ValidationError(
            _("“%s”不是有效的图片文件，或者文件已损坏。") % _display_name(upload)
        ) from exc
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def photos_prepare(uploads):
    """Check every upload first and return the re-encoded files (all or none)."""
    uploads = [u for u in uploads or [] if u]
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(_("每次最多上传 %s 张照片。") % MAX_PHOTOS)
    errors = []
    files = []
    for upload in uploads:
        try:
            files.append(photo_prepare(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return files


def _display_name(upload):
    name = getattr(upload, "name", "") or _("未命名文件")
    return name.rsplit("/", 1)[-1][:60]
