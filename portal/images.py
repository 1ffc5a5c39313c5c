"""Uploaded images: decoded, bounded and re-encoded before they are stored.

Re-encoding keeps the picture and drops everything else a file can carry:
metadata (a phone photo's GPS position), trailing bytes (a polyglot file that
is also a script or an archive), odd chunks. An image Pillow cannot decode, or
one that would decode into too many pixels (a decompression bomb), is refused
with a clear Chinese message. ``meetings.uploads``, ``grids.photos`` and
``volunteers.photos`` do the same for their photos, sized for their pages.
"""

import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

#: More pixels than any scan or phone photo: refused before decoding.
MAX_PIXELS = 50_000_000
#: Longest side kept (a scanned A4 page at 300 dpi is 3508 pixels).
MAX_SIDE = 3600


def image_reencode(upload):
    """Return ``(bytes, extension, content type)`` of ``upload`` re-encoded.

    A PNG stays a PNG (screenshots, scans of text), a JPEG a JPEG. Raise
    ``ValidationError`` for a broken image, another format, or one with too
    many pixels.
    """
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    broken = _("图片文件已损坏或格式不正确。")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in ("PNG", "JPEG"):
                    raise ValidationError(broken)
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(_("图片像素过多，请缩小后再上传。"))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                out = io.BytesIO()
                if fmt == "PNG":
                    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                        image = image.convert("RGBA")
                    image.save(out, format="PNG", optimize=True)
                    return out.getvalue(), "png", "image/png"
                image.convert("RGB").save(out, format="JPEG", quality=88)
                return out.getvalue(), "jpg", "image/jpeg"
    except ValidationError:
        raise
    except Exception as exc:  # Pillow raises many kinds of errors on bad input
        raise ValidationError(broken) from exc
